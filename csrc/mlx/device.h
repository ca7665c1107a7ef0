// Devices and streams. A stream is an ordered queue of work on one device.
#pragma once

#include <string>

namespace mlx_core {

struct Device {
  enum class DeviceType { cpu, gpu };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;

  DeviceType type;
  int index;

  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

struct Stream {
  int index;
  Device device;
  Stream(int i, Device d) : index(i), device(d) {}
  bool operator==(const Stream& o) const { return index == o.index; }
  bool operator!=(const Stream& o) const { return !(*this == o); }
};

// True when a backend for this device type was built (only the CPU for now).
bool is_available(const Device& d);
int device_count(Device::DeviceType t);

const Device& default_device();
void set_default_device(const Device& d);

Stream default_stream(Device d);
void set_default_stream(Stream s);
Stream new_stream(Device d);
Stream get_stream(int index);
void clear_streams();

}  // namespace mlx_core

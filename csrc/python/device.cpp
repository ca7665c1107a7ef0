// Device, Stream and the default device/stream API.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>

#include <atomic>
#include <unordered_map>

#include "mlx/device.h"
#include "mlx/transforms/eval.h"

namespace nb = nanobind;
using namespace nb::literals;
using namespace mlx_core;

namespace {

// A stream that is a different Stream in every thread: each thread that uses
// it gets a fresh stream of the device on first use (MLX's ThreadLocalStream).
struct ThreadLocalStream {
  Device device;
  int index;  // numbers the thread-local streams, as MLX's repr shows
  Stream resolve() const {
    thread_local std::unordered_map<int, Stream> streams;
    auto it = streams.find(index);
    if (it == streams.end()) it = streams.emplace(index, new_stream(device)).first;
    return it->second;
  }
};

ThreadLocalStream new_thread_local_stream(Device d) {
  static std::atomic<int> count{0};
  return {d, count++};
}

std::string device_repr(const Device& d) {
  return std::string("Device(") + (d.type == Device::cpu ? "cpu" : "gpu") + ", " +
         std::to_string(d.index) + ")";
}
}  // namespace

void init_device(nb::module_& m) {
  nb::enum_<Device::DeviceType>(m, "DeviceType")
      .value("cpu", Device::DeviceType::cpu)
      .value("gpu", Device::DeviceType::gpu);
  nb::class_<Device>(m, "Device", "A device to run operations on.")
      .def(nb::init<Device::DeviceType, int>(), "type"_a, "index"_a = 0)
      .def_ro("type", &Device::type)
      .def("__repr__", &device_repr)
      .def("__eq__", [](const Device& a, nb::handle b) {
        if (nb::isinstance<Device>(b)) return a == nb::cast<Device>(b);
        if (nb::isinstance<Device::DeviceType>(b)) return a == Device(nb::cast<Device::DeviceType>(b));
        return false;
      });
  nb::implicitly_convertible<Device::DeviceType, Device>();
  m.attr("cpu") = nb::cast(Device::DeviceType::cpu);
  m.attr("gpu") = nb::cast(Device::DeviceType::gpu);

  nb::class_<ThreadLocalStream>(m, "ThreadLocalStream",
                                "A stream that will be unique per thread and can be used to run "
                                "operations on a given device.")
      .def_ro("device", &ThreadLocalStream::device)
      .def("__repr__", [](const ThreadLocalStream& s) {
        return "ThreadLocalStream(" + device_repr(s.device) + ", " + std::to_string(s.index) + ")";
      })
      .def("__eq__", [](const ThreadLocalStream& a, nb::handle b) {
        return nb::isinstance<ThreadLocalStream>(b) && a.index == nb::cast<ThreadLocalStream>(b).index;
      })
      .def("__hash__", [](const ThreadLocalStream& s) { return std::hash<int>()(s.index); });
  // Wherever a Stream is taken (stream=, mx.stream(...), set_default_stream), a
  // ThreadLocalStream stands for this thread's stream.
  nb::class_<Stream>(m, "Stream", "A stream for running operations on a given device.")
      .def("__init__", [](Stream* self, const ThreadLocalStream& s) { new (self) Stream(s.resolve()); })
      .def_ro("device", &Stream::device)
      .def("__repr__", [](const Stream& s) {
        return "Stream(" + device_repr(s.device) + ", " + std::to_string(s.index) + ")";
      })
      .def("__eq__", [](const Stream& a, nb::handle b) {
        return nb::isinstance<Stream>(b) && a == nb::cast<Stream>(b);
      });

  nb::implicitly_convertible<ThreadLocalStream, Stream>();
  m.def("new_thread_local_stream", &new_thread_local_stream, "device"_a,
        "Make a new stream that will be unique per thread.");

  m.def("default_device", &default_device, "Get the default device.");
  m.def("set_default_device", &set_default_device, "device"_a, "Set the default device.");
  m.def("default_stream", &default_stream, "device"_a, "Get the device's default stream.");
  m.def("set_default_stream", &set_default_stream, "stream"_a,
        "Set the default stream (for the stream's device).");
  m.def("new_stream", &new_stream, "device"_a, "Make a new stream on the given device.");
  m.def("clear_streams", &clear_streams, "Clear all streams except the default ones.");
  m.def("is_available", &is_available, "device"_a, "Check if a device is available.");
  m.def("device_count", [](Device::DeviceType t) { return device_count(t); }, "device_type"_a,
        "Number of devices of a type.");
  m.def("synchronize", [](nb::object) { synchronize(); }, "stream"_a = nb::none(),
        "Wait for all work on the stream to finish.");
}

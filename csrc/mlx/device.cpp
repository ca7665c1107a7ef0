#include "mlx/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace mlx_core {

namespace {

struct StreamRegistry {
  std::mutex mutex;
  std::vector<Stream> streams{Stream(0, Device::cpu)};
  // Read by every op (default_stream): atomic rather than under the mutex.
  std::atomic<int> default_cpu{0};
};

StreamRegistry& registry() {
  static StreamRegistry* r = new StreamRegistry();  // never destroyed: used at exit
  return *r;
}

Device& mutable_default_device() {
  static Device d(Device::cpu, 0);
  return d;
}

void check_device(const Device& d, const char* op) {
  if (!is_available(d)) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Cannot get gpu stream without gpu backend.");
  }
}

}  // namespace

bool is_available(const Device& d) { return d.type == Device::cpu; }

int device_count(Device::DeviceType t) { return t == Device::cpu ? 1 : 0; }

const Device& default_device() { return mutable_default_device(); }

void set_default_device(const Device& d) {
  if (!is_available(d)) {
    throw std::invalid_argument("[set_default_device] Cannot set gpu device without gpu backend.");
  }
  mutable_default_device() = d;
}

Stream default_stream(Device d) {
  check_device(d, "default_stream");
  // Streams are numbered by creation, so the default one is rebuilt from its index.
  return Stream(registry().default_cpu.load(std::memory_order_relaxed), Device::cpu);
}

void set_default_stream(Stream s) {
  check_device(s.device, "set_default_stream");
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.default_cpu = s.index;
}

Stream new_stream(Device d) {
  check_device(d, "new_stream");
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  Stream s(static_cast<int>(r.streams.size()), d);
  r.streams.push_back(s);
  return s;
}

Stream get_stream(int index) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (index < 0 || index >= static_cast<int>(r.streams.size())) {
    throw std::invalid_argument("[get_stream] Unknown stream.");
  }
  return r.streams[index];
}

void clear_streams() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.streams.erase(r.streams.begin() + 1, r.streams.end());
  r.default_cpu = 0;
}

}  // namespace mlx_core

// mx.export_function / mx.import_function: a traced graph (compile's
// CompiledGraph, unfused) written in MLX's `.mlxfn` layout and read back.
// Each primitive writes and reads its parameters through a registry keyed by
// the name MLX gives it (export.cpp); a primitive missing there cannot export.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/transforms/compile.h"
#include "mlx/transforms/export_io.h"

namespace mlx_core {

// One traced function: its graph plus the keyword names of its last inputs.
struct ExportedTrace {
  std::shared_ptr<CompiledGraph> graph;
  std::vector<std::string> kwarg_keys;
  std::vector<Shape> input_shapes;
  std::vector<Dtype> input_dtypes;
};

// What MLX hands an export callback, per trace: values by id, nodes as written.
struct TraceLog {
  struct Node {
    std::string name;
    std::vector<export_io::Argument> arguments;
    std::vector<uint64_t> inputs, outputs;
  };
  std::vector<std::string> kwarg_keys;
  std::vector<uint64_t> inputs, outputs;
  std::vector<std::pair<uint64_t, array>> constants;
  std::vector<Node> nodes;
  std::unordered_map<uint64_t, std::pair<Shape, Dtype>> values;
};

// The bytes of a file holding `traces` (all with the same `shapeless`); with `logs`, also
// what a callback receives for each trace.
std::string serialize_traces(const std::vector<ExportedTrace>& traces, bool shapeless,
                             const std::string& metadata, std::vector<TraceLog>* logs = nullptr);
struct OpenFile;
// Parses a file's bytes; raises std::invalid_argument on anything malformed. With the open
// `file` the bytes are, large constants are read from it when first evaluated.
std::vector<ExportedTrace> deserialize_traces(const char* data, size_t size, bool& shapeless,
                                             std::string& metadata,
                                             std::shared_ptr<OpenFile> file = nullptr);
// Reads (or, when large, maps) the file and parses it; std::runtime_error when it cannot be opened.
std::vector<ExportedTrace> deserialize_file(const std::string& path, bool& shapeless,
                                           std::string& metadata);
// The imported graph's outputs for `inputs`; for a shapeless graph called with new shapes,
// every node is checked again (std::invalid_argument when the shapes do not fit it).
std::vector<array> replay_imported(const CompiledGraph& graph, const std::vector<array>& inputs);
// Whether a primitive can be written (its name has a registry entry).
bool can_export(const Primitive& p);

}  // namespace mlx_core

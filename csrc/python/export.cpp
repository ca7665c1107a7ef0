// Bindings for export/import of traced functions; the Python API
// (mx.export_function, import_function, exporter, export_to_dot) is mlx_core/_export.py.
#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>

#include <unordered_set>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "mlx/transforms/export.h"
#include "python/convert.h"

namespace nb = nanobind;
using namespace nb::literals;


namespace {
// One trace per traced graph, with the example inputs' shapes and dtypes.
std::vector<mlx_core::ExportedTrace> make_traces(
    const std::vector<std::shared_ptr<mlx_core::CompiledGraph>>& graphs,
    const std::vector<std::vector<std::string>>& kwarg_keys,
    const std::vector<std::vector<mlx_core::array>>& examples) {
  std::vector<mlx_core::ExportedTrace> traces;
  for (size_t i = 0; i < graphs.size(); ++i) {
    mlx_core::ExportedTrace t;
    t.graph = graphs[i];
    t.kwarg_keys = kwarg_keys[i];
    for (auto& a : examples[i]) {
      t.input_shapes.push_back(a.shape());
      t.input_dtypes.push_back(a.dtype());
    }
    traces.push_back(std::move(t));
  }
  return traces;
}
}  // namespace

void init_export(nb::module_& m) {
  nb::class_<mlx_core::ExportedTrace>(m, "_ExportedTrace")
      .def_ro("graph", &mlx_core::ExportedTrace::graph)
      .def_ro("kwarg_keys", &mlx_core::ExportedTrace::kwarg_keys)
      .def_prop_ro("input_shapes", [](const mlx_core::ExportedTrace& t) {
        std::vector<std::vector<int>> s;
        for (auto& x : t.input_shapes) s.emplace_back(x.begin(), x.end());
        return s;
      })
      .def_prop_ro("input_dtypes", [](const mlx_core::ExportedTrace& t) { return t.input_dtypes; });
  m.def("_export_serialize",
        [](std::vector<std::shared_ptr<mlx_core::CompiledGraph>> graphs,
           std::vector<std::vector<std::string>> kwarg_keys,
           std::vector<std::vector<mlx_core::array>> examples, bool shapeless,
           const std::string& metadata) {
          auto traces = make_traces(graphs, kwarg_keys, examples);
          std::string s = mlx_core::serialize_traces(traces, shapeless, metadata);
          return nb::bytes(s.data(), s.size());
        },
        "graphs"_a, "kwarg_keys"_a, "examples"_a, "shapeless"_a, "metadata"_a);
  m.def("_export_log",
        [](std::vector<std::shared_ptr<mlx_core::CompiledGraph>> graphs,
           std::vector<std::vector<std::string>> kwarg_keys,
           std::vector<std::vector<mlx_core::array>> examples, bool shapeless) {
          // What export_function hands a callback: per trace (keyword names, inputs, outputs,
          // constants, nodes), values as (id, shape, dtype), parameters as Python values.
          auto traces = make_traces(graphs, kwarg_keys, examples);
          std::vector<mlx_core::TraceLog> logs;
          mlx_core::serialize_traces(traces, shapeless, "", &logs);
          nb::list result;
          for (auto& log : logs) {
            auto value = [&](uint64_t id) {
              auto& [shape, dtype] = log.values.at(id);
              nb::list dims;
              for (int d : shape) dims.append(d);
              return nb::make_tuple(id, nb::tuple(dims), dtype);
            };
            auto values = [&](const std::vector<uint64_t>& ids) {
              nb::list l;
              for (auto id : ids) l.append(value(id));
              return l;
            };
            nb::list constants;
            for (auto& [id, c] : log.constants) constants.append(nb::make_tuple(id, c));
            nb::list nodes;
            for (auto& n : log.nodes) {
              nb::list args;
              for (auto& a : n.arguments) {
                using K = mlx_core::export_io::Argument;
                nb::list items;
                for (auto x : a.items) items.append(x);
                switch (a.kind) {
                  case K::Int: args.append(a.i); break;
                  case K::Float: args.append(a.f); break;
                  case K::Bool: args.append(bool(a.i)); break;
                  case K::List: args.append(items); break;
                  case K::Tuple: args.append(nb::tuple(items)); break;
                  case K::DtypeArg: args.append(nb::cast(a.dtype)); break;
                }
              }
              nodes.append(nb::make_tuple(n.name, args, values(n.inputs), values(n.outputs)));
            }
            result.append(nb::make_tuple(log.kwarg_keys, values(log.inputs), values(log.outputs), constants,
                                         nodes));
          }
          return result;
        },
        "graphs"_a, "kwarg_keys"_a, "examples"_a, "shapeless"_a);
  m.def("_export_deserialize",
        [](nb::bytes data) {
          bool shapeless = false;
          std::string metadata;
          auto traces = mlx_core::deserialize_traces(data.c_str(), data.size(), shapeless, metadata);
          return std::make_tuple(traces, shapeless, nb::bytes(metadata.data(), metadata.size()));
        },
        "data"_a);
  m.def("_export_deserialize_file",
        [](const std::string& path) {
          bool shapeless = false;
          std::string metadata;
          auto traces = mlx_core::deserialize_file(path, shapeless, metadata);
          return std::make_tuple(traces, shapeless, nb::bytes(metadata.data(), metadata.size()));
        },
        "path"_a);
  m.def("_import_replay",
        [](const std::shared_ptr<mlx_core::CompiledGraph>& g, const std::vector<mlx_core::array>& inputs) {
          return mlx_core::replay_imported(*g, inputs);
        },
        "graph"_a, "inputs"_a);
  m.def("_graph_structure",
        [](const std::shared_ptr<mlx_core::CompiledGraph>& g) {
          std::vector<std::pair<std::string, std::vector<int>>> nodes;
          for (auto& n : g->nodes) nodes.emplace_back(n.primitive->name(), n.args);
          std::vector<int> outs(g->outputs.begin(), g->outputs.end());
          return std::make_pair(nodes, std::make_pair(int(g->num_inputs + g->constants.size()), outs));
        },
        "graph"_a, "(primitive name, argument values) per node; (number of sources, outputs).");
  m.def("_dot_nodes",
        [](const std::vector<mlx_core::array>& outputs) {
          // Post-order walk (explicit stack): (node id, primitive name or "", input ids, output ids).
          using Row = std::tuple<uintptr_t, std::string, std::vector<uintptr_t>, std::vector<uintptr_t>>;
          std::vector<Row> rows;
          std::unordered_set<uintptr_t> seen;
          std::vector<std::pair<mlx_core::array, size_t>> stack;
          for (auto& o : outputs) {
            if (seen.count(o.id())) continue;
            seen.insert(o.id());
            stack.emplace_back(o, 0);
            while (!stack.empty()) {
              auto& [a, k] = stack.back();
              if (k < a.inputs().size()) {
                auto in = a.inputs()[k++];
                if (seen.insert(in.id()).second) stack.emplace_back(in, 0);
                continue;
              }
              std::vector<uintptr_t> ins, outs;
              for (auto& in : a.inputs()) ins.push_back(in.id());
              std::string name;
              if (a.has_primitive()) {
                name = a.primitive().name();
                for (auto& sib : a.outputs()) {
                  outs.push_back(sib.id());
                  seen.insert(sib.id());
                }
              }
              rows.emplace_back(a.id(), name, ins, outs);
              stack.pop_back();
            }
          }
          return rows;
        },
        "outputs"_a);
  m.def("_export_unsupported",
        [](const std::shared_ptr<mlx_core::CompiledGraph>& g) {
          std::vector<std::string> names;
          for (auto& n : g->nodes) {
            if (!mlx_core::can_export(*n.primitive)) names.emplace_back(n.primitive->name());
          }
          return names;
        },
        "graph"_a);
}

// einsum and einsum_path. MLX 0.32.4 semantics, re-derived from its observable
// behaviour: the contraction order is opt_einsum's greedy rule (largest size
// reduction first, then lowest FLOP count) under a memory limit of the largest
// input/output term and a cost limit of the naive contraction; with one or two
// operands there is a single step. Each step first takes diagonals of repeated
// indices and sums indices used by one operand only; a pair with a contracted
// index becomes one (batched) matmul, anything else a broadcast multiply and sum.
// Which of the two runs decides the result dtype (integer contractions hit
// matmul's "inexact types" error, as in MLX).
#include "mlx/ops/einsum.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <sstream>

#include "mlx/ops.h"
#include "mlx/ops/shape_util.h"

namespace mlx_core {

namespace {

using CharSet = std::bitset<128>;
using DimMap = std::array<int64_t, 128>;

struct Term {
  std::string str;
  CharSet set;
};

Term make_term(std::string s) {
  CharSet set;
  for (char c : s) set.set(static_cast<unsigned char>(c));
  return {std::move(s), set};
}

struct Step {
  std::vector<Term> inputs;
  Term output;
  std::vector<int> positions;
};

struct PathInfo {
  size_t naive_cost = 0, naive_scaling = 0, optimized_cost = 0, optimized_scaling = 0;
};

// The parsed problem: one term per operand, the output term, index sizes.
struct Problem {
  std::vector<Term> inputs;
  Term output;
  DimMap dims;
};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

size_t set_size(const CharSet& set, const DimMap& dims) {
  size_t n = 1;
  for (int c = 0; c < 128; ++c) {
    if (set[c]) n *= size_t(dims[c]);
  }
  return n;
}

size_t string_size(const std::string& s, const DimMap& dims) {
  size_t n = 1;
  for (char c : s) n *= size_t(dims[static_cast<unsigned char>(c)]);
  return n;
}

// NumPy's FLOP model: one multiply per extra term, plus one add when summing.
size_t flop_count(const CharSet& indices, bool inner, size_t num_terms, const DimMap& dims) {
  size_t factor = std::max<size_t>(1, num_terms - 1) + (inner ? 1 : 0);
  return set_size(indices, dims) * factor;
}

std::pair<size_t, size_t> cost_and_scaling(const std::vector<Term>& inputs, const Term& output,
                                           const DimMap& dims) {
  CharSet all;
  for (auto& in : inputs) all |= in.set;
  bool inner = (all & ~output.set).any();
  return {flop_count(all, inner, inputs.size(), dims), all.count()};
}

// Splits "ab,bc->ac" into inputs and output; without "->" the output is an
// ellipsis (if any) followed by the indices used once, in sorted order.
std::pair<std::vector<std::string>, std::string> parse(std::string subscripts) {
  subscripts.erase(std::remove(subscripts.begin(), subscripts.end(), ' '), subscripts.end());
  std::string lhs, rhs;
  if (auto pos = subscripts.find("->"); pos != std::string::npos) {
    lhs = subscripts.substr(0, pos);
    rhs = subscripts.substr(pos + 2);
  } else {
    lhs = subscripts;
    std::array<int, 256> counts{};
    bool ellipsis = false;
    for (char c : subscripts) {
      if (c == ',') continue;
      if (c == '.' && !ellipsis) {
        ellipsis = true;
        continue;
      }
      counts[static_cast<unsigned char>(c)]++;
    }
    std::string once;
    for (int c = 0; c < 256; ++c) {
      if (counts[c] == 1) once += char(c);
    }
    rhs = (ellipsis ? "..." : "") + once;
  }
  std::vector<std::string> inputs;
  for (size_t start = 0;;) {
    size_t pos = lhs.find(',', start);
    if (pos == std::string::npos) {
      inputs.push_back(lhs.substr(start));
      break;
    }
    inputs.push_back(lhs.substr(start, pos - start));
    start = pos + 1;
  }
  return {inputs, rhs};
}

// opt_einsum's greedy order: at each step the pair whose contraction removes
// the most elements (then the cheapest, then the first found); outer products
// only when no pair shares an index.
std::vector<Step> greedy_path(std::vector<Term> inputs, const Term& output, const DimMap& dims,
                              size_t cost_limit, size_t memory_limit, PathInfo& info) {
  struct Candidate {
    int64_t removed;
    size_t cost;
    CharSet kept;
    size_t dims;
    int x, y;
  };
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < int(inputs.size()); ++i) {
    for (int j = i + 1; j < int(inputs.size()); ++j) pairs.emplace_back(i, j);
  }
  std::vector<Step> path;
  std::vector<Candidate> candidates;
  size_t cost = 0, scaling = 0;
  size_t num_inputs = inputs.size();
  for (size_t step = 0; step + 1 < num_inputs; ++step) {
    auto consider = [&](int p, int q) {
      CharSet merged = inputs[p].set | inputs[q].set;
      CharSet kept = output.set;
      for (int k = 0; k < int(inputs.size()); ++k) {
        if (k != p && k != q) kept |= inputs[k].set;
      }
      kept &= merged;
      size_t new_size = set_size(kept, dims);
      if (new_size > memory_limit) return;
      int64_t removed = int64_t(set_size(inputs[p].set, dims)) +
                        int64_t(set_size(inputs[q].set, dims)) - int64_t(new_size);
      size_t c = flop_count(merged, merged.count() > kept.count(), 2, dims);
      if (cost + c > cost_limit) return;
      candidates.push_back({removed, c, kept, merged.count(), p, q});
    };
    for (auto [p, q] : pairs) {
      if ((inputs[p].set & inputs[q].set).any()) consider(p, q);
    }
    if (candidates.empty()) {
      for (auto [p, q] : pairs) consider(p, q);
    }
    if (candidates.empty()) {
      // Nothing fits the limits: one naive step over what is left.
      std::vector<int> positions(inputs.size());
      for (size_t i = 0; i < positions.size(); ++i) positions[i] = int(i);
      auto [c, sc] = cost_and_scaling(inputs, output, dims);
      cost += c;
      scaling = std::max(scaling, sc);
      path.push_back({std::move(inputs), output, std::move(positions)});
      break;
    }
    size_t best = 0;
    for (size_t i = 1; i < candidates.size(); ++i) {
      const auto &c = candidates[i], &b = candidates[best];
      if (c.removed > b.removed || (c.removed == b.removed && c.cost < b.cost)) best = i;
    }
    Candidate chosen = candidates[best];
    scaling = std::max(scaling, chosen.dims);
    // The intermediate's axes: smallest dimensions first (ties by letter).
    std::string out_str;
    for (int c = 0; c < 128; ++c) {
      if (chosen.kept[c]) out_str += char(c);
    }
    std::stable_sort(out_str.begin(), out_str.end(), [&](char a, char b) {
      return dims[static_cast<unsigned char>(a)] < dims[static_cast<unsigned char>(b)];
    });
    Term result{out_str, chosen.kept};
    path.push_back({{inputs[chosen.x], inputs[chosen.y]}, result, {chosen.x, chosen.y}});
    inputs.erase(inputs.begin() + chosen.y);
    inputs.erase(inputs.begin() + chosen.x);
    inputs.push_back(result);
    std::vector<Candidate> surviving;
    for (auto c : candidates) {
      if (c.x == chosen.x || c.x == chosen.y || c.y == chosen.x || c.y == chosen.y) continue;
      c.x -= (c.x > chosen.x) + (c.x > chosen.y);
      c.y -= (c.y > chosen.x) + (c.y > chosen.y);
      surviving.push_back(c);
    }
    candidates = std::move(surviving);
    pairs.clear();
    int last = int(inputs.size()) - 1;
    for (int i = 0; i < last; ++i) pairs.emplace_back(i, last);
    cost += chosen.cost;
  }
  info.optimized_cost = cost;
  info.optimized_scaling = scaling;
  return path;
}

std::pair<std::vector<Step>, PathInfo> plan(const std::string& subscripts,
                                            const std::vector<array>& operands, const char* fn,
                                            Problem* problem = nullptr) {
  if (operands.empty()) {
    throw std::invalid_argument(msg("[", fn, "] At least one operand is required."));
  }
  auto [in_subs, out_sub] = parse(subscripts);
  if (operands.size() != in_subs.size()) {
    throw std::invalid_argument(msg("[", fn, "] Number of operands, ", operands.size(),
                                    ", does not match number of input subscripts, ",
                                    in_subs.size()));
  }
  // Ellipses take the last unused letters (a-z then A-Z), right-aligned, so
  // operands with fewer dimensions broadcast as in NumPy.
  CharSet used;
  for (char c : subscripts) used.set(static_cast<unsigned char>(c));
  std::string spare;
  for (char c = 'a'; c <= 'z'; ++c) {
    if (!used[c]) spare += c;
  }
  for (char c = 'A'; c <= 'Z'; ++c) {
    if (!used[c]) spare += c;
  }
  int max_ellipsis = 0;
  auto expand = [&](std::string& sub, const array* operand, int index) {
    bool ellipsis = false;
    int before = 0, after = 0;
    for (size_t i = 0; i < sub.size(); ++i) {
      if (!is_letter(sub[i])) {
        if (i + 2 >= sub.size() || sub[i] != '.' || sub[i + 1] != '.' || sub[i + 2] != '.') {
          throw std::invalid_argument(
              msg("[", fn, "] Subscripts must be letters, but got '", sub[i], "'."));
        }
        if (ellipsis) {
          throw std::invalid_argument(msg("[", fn,
                                          "] Only one ellipsis per subscript is allowed but found "
                                          "more in '",
                                          sub, "'."));
        }
        ellipsis = true;
        i += 2;
        continue;
      }
      (ellipsis ? after : before)++;
    }
    if (!ellipsis) return;
    int length = max_ellipsis;
    if (operand) {
      length = operand->ndim() - before - after;
      if (length < 0) {
        throw std::invalid_argument(msg(
            "[", fn, "] Operand ", index, " with shape ", shape_str(operand->shape()),
            " has insufficient dimensions for subscript '", sub,
            "'. The ellipsis requires at least ", before + after,
            " dimensions but the operand has ", operand->ndim(), " dimensions."));
      }
      max_ellipsis = std::max(max_ellipsis, length);
    }
    if (length > int(spare.size())) {
      throw std::invalid_argument(msg("[", fn, "] Too many dimensions for the ellipsis."));
    }
    sub.replace(before, 3, spare.substr(spare.size() - length));
  };
  for (size_t i = 0; i < operands.size(); ++i) expand(in_subs[i], &operands[i], int(i));
  expand(out_sub, nullptr, -1);

  Term output = make_term(out_sub);
  if (output.set.count() != out_sub.size()) {
    throw std::invalid_argument(msg("[", fn, "] Repeat indices not allowed in output."));
  }
  DimMap dims;
  dims.fill(0);
  CharSet seen;
  std::vector<Term> inputs;
  for (size_t i = 0; i < in_subs.size(); ++i) {
    const std::string& sub = in_subs[i];
    const array& op = operands[i];
    inputs.push_back(make_term(sub));
    if (int(sub.size()) != op.ndim()) {
      throw std::invalid_argument(msg("[", fn, "] Invalid number of subscripts ", sub.size(),
                                      " for input ", i, " with ", op.ndim(), " dimensions."));
    }
    if (inputs.back().set.count() < sub.size()) {
      for (size_t j = 0; j < sub.size(); ++j) {
        for (size_t k = 0; k < j; ++k) {
          if (sub[k] == sub[j] && op.shape(int(k)) != op.shape(int(j))) {
            throw std::invalid_argument(
                msg("[", fn, "] Dimensions of repeated subscripts do not have the same size (",
                    op.shape(int(k)), " != ", op.shape(int(j)), ")."));
          }
        }
      }
    }
    for (size_t j = 0; j < sub.size(); ++j) {
      auto c = static_cast<unsigned char>(sub[j]);
      int64_t d = op.shape(int(j));
      if (!seen[c]) {
        seen.set(c);
        dims[c] = d;
      } else if (d != 1 && dims[c] != 1 && dims[c] != d) {
        throw std::invalid_argument(msg("[", fn, "] Cannot broadcast dimension ", j, " of input ",
                                        i, " with shape ", shape_str(op.shape()), " to size ",
                                        dims[c], "."));
      }
      dims[c] = std::max(dims[c], d);
    }
  }
  // Output letters that no input uses have no size; MLX fails later in
  // transpose, we say so here.
  for (char c : out_sub) {
    if (!seen[static_cast<unsigned char>(c)]) {
      throw std::invalid_argument(
          msg("[", fn, "] Output subscript '", c, "' does not appear in any input."));
    }
  }
  size_t memory_limit = string_size(out_sub, dims);
  for (auto& s : in_subs) memory_limit = std::max(memory_limit, string_size(s, dims));

  if (problem) *problem = {inputs, output, dims};
  PathInfo info;
  std::tie(info.naive_cost, info.naive_scaling) = cost_and_scaling(inputs, output, dims);
  std::vector<Step> path;
  if (inputs.size() <= 2) {
    std::vector<int> positions(inputs.size());
    for (size_t i = 0; i < positions.size(); ++i) positions[i] = int(i);
    path.push_back({std::move(inputs), output, std::move(positions)});
    info.optimized_cost = info.naive_cost;
    info.optimized_scaling = info.naive_scaling;
  } else {
    path = greedy_path(std::move(inputs), output, dims, info.naive_cost, memory_limit, info);
    path.back().output = output;
  }
  return {std::move(path), info};
}

// The cheapest pairwise order by FLOP count (opt_einsum's "optimal", by dynamic
// programming over subsets of operands). einsum runs it for floating operands;
// einsum_path reports MLX's greedy order.
std::vector<Step> optimal_path(const Problem& pb) {
  int n = int(pb.inputs.size());
  int full = (1 << n) - 1;
  std::vector<CharSet> kept(full + 1);
  for (int S = 1; S <= full; ++S) {
    CharSet inside, outside = pb.output.set;
    for (int i = 0; i < n; ++i) ((S >> i) & 1 ? inside : outside) |= pb.inputs[i].set;
    kept[S] = S == full ? pb.output.set : (inside & outside);
  }
  std::vector<double> cost(full + 1, 0.0);
  std::vector<int> split(full + 1, 0);
  for (int S = 1; S <= full; ++S) {
    if ((S & (S - 1)) == 0) continue;  // a single operand costs nothing
    int low = S & -S;
    cost[S] = -1;
    for (int A = (S - 1) & S; A > 0; A = (A - 1) & S) {
      if (!(A & low)) continue;  // each split once: A holds the lowest operand
      int B = S ^ A;
      CharSet merged = kept[A] | kept[B];
      bool inner = (merged & ~kept[S]).any();
      double c = cost[A] + cost[B] + double(set_size(merged, pb.dims)) * (inner ? 2.0 : 1.0);
      if (cost[S] < 0 || c < cost[S]) {
        cost[S] = c;
        split[S] = A;
      }
    }
  }
  // Emit the tree bottom-up in the shrinking-list convention of einsum_path.
  std::vector<int> current;
  for (int i = 0; i < n; ++i) current.push_back(1 << i);
  std::vector<Step> path;
  std::vector<std::pair<int, bool>> stack{{full, false}};
  while (!stack.empty()) {
    auto [S, expanded] = stack.back();
    stack.pop_back();
    if ((S & (S - 1)) == 0) continue;
    if (!expanded) {
      stack.push_back({S, true});
      stack.push_back({S ^ split[S], false});
      stack.push_back({split[S], false});
      continue;
    }
    int pa = int(std::find(current.begin(), current.end(), split[S]) - current.begin());
    int pb_ = int(std::find(current.begin(), current.end(), S ^ split[S]) - current.begin());
    if (pa > pb_) std::swap(pa, pb_);
    auto term_of = [&](int T) {
      if ((T & (T - 1)) == 0) return pb.inputs[__builtin_ctz(T)];
      std::string str;
      for (int c = 0; c < 128; ++c) {
        if (kept[T][c]) str += char(c);
      }
      return make_term(str);
    };
    Term out = S == full ? pb.output : term_of(S);
    path.push_back({{term_of(current[pa]), term_of(current[pb_])}, out, {pa, pb_}});
    current.erase(current.begin() + pb_);
    current.erase(current.begin() + pa);
    current.push_back(S);
  }
  return path;
}

// ---- lowering ---------------------------------------------------------------

// Diagonal of repeated indices ("ii" -> "i"): the repeated axes move last and
// merge, and a strided slice picks the diagonal (exact and differentiable).
array take_diagonals(array x, Term& term, Stream s) {
  const std::string& str = term.str;
  auto count = [&](char c) { return std::count(str.begin(), str.end(), c); };
  std::string singles, repeated;
  std::vector<int> perm;
  Shape shape;
  for (size_t i = 0; i < str.size(); ++i) {
    if (count(str[i]) == 1) {
      singles += str[i];
      perm.push_back(int(i));
      shape.push_back(x.shape(int(i)));
    }
  }
  std::vector<int64_t> diag_steps;
  for (size_t i = 0; i < str.size(); ++i) {
    char c = str[i];
    if (count(c) == 1 || repeated.find(c) != std::string::npos) continue;
    repeated += c;
    // n^v elements along the merged axis; the diagonal steps by 1 + n + ... + n^(v-1).
    int64_t n = x.shape(int(i)), merged = 1, step = 0;
    for (size_t j = i; j < str.size(); ++j) {
      if (str[j] == c) {
        perm.push_back(int(j));
        step = step * n + 1;
        merged *= n;
      }
    }
    shape.push_back(int32_t(merged));
    diag_steps.push_back(n > 1 ? step : 1);
  }
  x = reshape(transpose(x, perm, s), shape, s);
  Shape start(shape.size(), 0), stop = shape, step(shape.size(), 1);
  for (size_t r = 0; r < repeated.size(); ++r) step[singles.size() + r] = int32_t(diag_steps[r]);
  term = make_term(singles + repeated);
  return slice(x, start, stop, step, s);
}

// Transposes x so its axes follow `order` (letters), inserting size-1 axes for
// letters it lacks, so that broadcasting lines the operands up.
array align(const array& x, const std::string& str, const std::string& order, Stream s) {
  std::vector<int> perm;
  Shape shape;
  for (char c : order) {
    auto pos = str.find(c);
    if (pos != std::string::npos) {
      perm.push_back(int(pos));
      shape.push_back(x.shape(int(pos)));
    } else {
      shape.push_back(1);
    }
  }
  return reshape(transpose(x, perm, s), shape, s);
}

// Multiply-and-sum for steps without a contraction matmul can do.
array naive_step(const std::vector<Term>& inputs, const Term& output,
                 const std::vector<array>& operands, Stream s) {
  std::string order;
  for (auto& in : inputs) {
    for (char c : in.str) {
      if (order.find(c) == std::string::npos) order += c;
    }
  }
  array out = align(operands[0], inputs[0].str, order, s);
  for (size_t i = 1; i < inputs.size(); ++i) {
    out = multiply(out, align(operands[i], inputs[i].str, order, s), s);
  }
  std::vector<int> sum_axes;
  std::string remaining;
  for (size_t i = 0; i < order.size(); ++i) {
    if (output.set[static_cast<unsigned char>(order[i])]) {
      remaining += order[i];
    } else {
      sum_axes.push_back(int(i));
    }
  }
  if (!sum_axes.empty()) out = sum(out, sum_axes, false, s);
  std::vector<int> perm;
  for (char c : output.str) perm.push_back(int(remaining.find(c)));
  return transpose(out, perm, s);
}

// Merges the axes of each group (in order) into one; a group of one axis
// needs no reshape, so transposed operands reach matmul as views.
array group_axes(const array& x, const std::vector<std::vector<int>>& groups, Stream s) {
  std::vector<int> perm;
  Shape shape;
  for (auto& g : groups) {
    int64_t n = 1;
    for (int ax : g) {
      perm.push_back(ax);
      n *= x.shape(ax);
    }
    shape.push_back(int32_t(n));
  }
  return reshape(transpose(x, perm, s), shape, s);
}

// A two-operand step with a contraction: batch axes (in both and the output),
// free axes (in one and the output) and contracted axes become one matmul.
array dot_step(const Term& ta, const Term& tb, const Term& output, array a, array b, Stream s) {
  std::vector<int> a_batch, a_free, a_sum, b_batch, b_free, b_sum;
  for (size_t i = 0; i < ta.str.size(); ++i) {
    auto c = static_cast<unsigned char>(ta.str[i]);
    if (!output.set[c]) {
      a_sum.push_back(int(i));
      b_sum.push_back(int(tb.str.find(char(c))));
    } else if (tb.set[c]) {
      a_batch.push_back(int(i));
      b_batch.push_back(int(tb.str.find(char(c))));
    } else {
      a_free.push_back(int(i));
    }
  }
  for (size_t i = 0; i < tb.str.size(); ++i) {
    auto c = static_cast<unsigned char>(tb.str[i]);
    if (output.set[c] && !ta.set[c]) b_free.push_back(int(i));
  }
  // Size-1 batch or contracted axes broadcast against the other operand.
  Shape sa = a.shape(), sb = b.shape();
  auto widen = [&](const std::vector<int>& ia, const std::vector<int>& ib) {
    for (size_t i = 0; i < ia.size(); ++i) {
      int32_t d = std::max(sa[ia[i]], sb[ib[i]]);
      sa[ia[i]] = sb[ib[i]] = d;
    }
  };
  widen(a_sum, b_sum);
  widen(a_batch, b_batch);
  a = broadcast_to(a, sa, s);
  b = broadcast_to(b, sb, s);
  Shape out_shape;
  std::string out_order;
  std::vector<std::vector<int>> ga, gb;
  for (size_t i = 0; i < a_batch.size(); ++i) {
    out_shape.push_back(a.shape(a_batch[i]));
    out_order += ta.str[a_batch[i]];
    ga.push_back({a_batch[i]});
    gb.push_back({b_batch[i]});
  }
  for (int ax : a_free) {
    out_shape.push_back(a.shape(ax));
    out_order += ta.str[ax];
  }
  for (int ax : b_free) {
    out_shape.push_back(b.shape(ax));
    out_order += tb.str[ax];
  }
  ga.push_back(a_free);
  ga.push_back(a_sum);
  gb.push_back(b_sum);
  gb.push_back(b_free);
  array prod = matmul(group_axes(a, ga, s), group_axes(b, gb, s), s);
  prod = reshape(prod, out_shape, s);
  std::vector<int> perm;
  for (char c : output.str) perm.push_back(int(out_order.find(c)));
  return transpose(prod, perm, s);
}

}  // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  auto [path, info] = plan(subscripts, operands, "einsum_path");
  std::vector<std::vector<int>> positions;
  for (auto& step : path) positions.push_back(step.positions);
  std::ostringstream text;
  text << "  Complete contraction:  " << subscripts << "\n"
       << "         Naive scaling:  " << info.naive_scaling << "\n"
       << "     Optimized scaling:  " << info.optimized_scaling << "\n"
       << "      Naive FLOP count:  " << info.naive_cost << "\n"
       << "  Optimized FLOP count:  " << info.optimized_cost << "\n";
  return {positions, text.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands_in,
             StreamOrDevice sd) {
  Stream s = to_stream(sd);
  Problem problem;
  auto [path, info] = plan(subscripts, operands_in, "einsum", &problem);
  // float32/float64 operands take the cheapest order; others keep MLX's, whose
  // mix of elementwise and matmul steps decides their dtypes, errors and (for
  // 16-bit floats) the rounding of intermediates.
  bool floating = operands_in.size() >= 3 && operands_in.size() <= 10;
  for (auto& x : operands_in) floating = floating && (x.dtype() == float32 || x.dtype() == float64);
  if (floating) path = optimal_path(problem);
  std::vector<array> operands = operands_in;
  for (auto& step : path) {
    std::vector<array> ins;
    for (int p : step.positions) ins.push_back(operands[p]);
    std::vector<Term>& terms = step.inputs;
    for (size_t i = 0; i < terms.size(); ++i) {
      if (terms[i].set.count() < terms[i].str.size()) ins[i] = take_diagonals(ins[i], terms[i], s);
    }
    // Indices used by one operand of this step and not kept: sum them first.
    std::array<int, 128> counts{};
    for (auto& t : terms) {
      for (int c = 0; c < 128; ++c) counts[c] += t.set[c];
    }
    for (int c = 0; c < 128; ++c) counts[c] += step.output.set[c];
    for (size_t i = 0; i < terms.size(); ++i) {
      std::vector<int> axes;
      std::string kept;
      for (size_t ax = 0; ax < terms[i].str.size(); ++ax) {
        if (counts[static_cast<unsigned char>(terms[i].str[ax])] == 1) {
          axes.push_back(int(ax));
        } else {
          kept += terms[i].str[ax];
        }
      }
      if (!axes.empty()) {
        ins[i] = sum(ins[i], axes, false, s);
        terms[i] = make_term(kept);
      }
    }
    bool contracts = false;
    if (terms.size() == 2) {
      contracts = (terms[0].set & ~step.output.set).any();
    }
    array result = contracts ? dot_step(terms[0], terms[1], step.output, ins[0], ins[1], s)
                             : naive_step(terms, step.output, ins, s);
    operands.push_back(result);
    for (auto it = step.positions.rbegin(); it != step.positions.rend(); ++it) {
      operands.erase(operands.begin() + *it);
    }
  }
  return operands.front();
}

}  // namespace mlx_core

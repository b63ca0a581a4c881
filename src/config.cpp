#include "eisnn/config.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <set>
#include <sstream>

#include "eisnn/error.hpp"
#include "eisnn/task/scoring.hpp"
#include "eisnn/task/stimulus.hpp"

namespace eisnn {

std::string Range::describe() const {
  std::ostringstream out;
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    out << "in " << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]");
  } else if (has_lo) {
    out << (lo_open ? "> " : ">= ") << lo;
  } else if (has_hi) {
    out << (hi_open ? "< " : "<= ") << hi;
  } else {
    out << "any number";
  }
  return out.str();
}

std::string Choices::describe() const {
  std::string s = "one of";
  for (std::size_t i = 0; i < words.size(); ++i) s += (i ? ", '" : " '") + words[i] + "'";
  return s;
}

namespace {

std::string show(const toml::node& node) {
  std::ostringstream out;
  if (node.is_string()) {
    out << '"' << node.as_string()->get() << '"';
  } else if (node.is_table()) {
    out << "a table";
  } else {
    node.visit([&](auto&& n) { out << n; });
  }
  return out.str();
}

// Reads every key of one section from a TOML table, checking type and range,
// and remembers which keys it consumed so that the rest can be reported.
class Reader {
 public:
  Reader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  void operator()(const char* key, double& x, Range range, const char*) {
    if (const toml::node* n = find(key)) {
      auto value = n->value<double>();  // integers are accepted for real-valued keys
      if (!value) wrong_type(key, *n, "a number");
      check_range(key, *value, range);
      x = *value;
    }
  }

  void operator()(const char* key, int& x, Range range, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_integer()) wrong_type(key, *n, "an integer");
      const auto value = n->as_integer()->get();
      check_range(key, static_cast<double>(value), range);
      x = static_cast<int>(value);
    }
  }

  void operator()(const char* key, std::uint64_t& x, Range range, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_integer()) wrong_type(key, *n, "a non-negative integer");
      const auto value = n->as_integer()->get();
      check_range(key, static_cast<double>(value), range);
      if (value < 0) fail(key, *n, "must be a non-negative integer");
      x = static_cast<std::uint64_t>(value);
    }
  }

  void operator()(const char* key, bool& x, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_boolean()) wrong_type(key, *n, "true or false");
      x = n->as_boolean()->get();
    }
  }

  void operator()(const char* key, std::string& x, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_string()) wrong_type(key, *n, "a string");
      x = n->as_string()->get();
    }
  }

  void operator()(const char* key, std::string& x, const Choices& choices, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_string()) wrong_type(key, *n, "a string, " + choices.describe());
      const std::string value = n->as_string()->get();
      bool known = false;
      for (const auto& w : choices.words) known = known || w == value;
      if (!known) fail(key, *n, "must be " + choices.describe());
      x = value;
    }
  }

  template <class T>
  void operator()(const char* key, std::vector<T>& x, Range range, const char*) {
    if (const toml::node* n = find(key)) {
      if (!n->is_array()) wrong_type(key, *n, "an array");
      std::vector<T> values;
      for (const toml::node& element : *n->as_array()) {
        std::optional<T> v;
        if constexpr (std::is_integral_v<T>) {
          if (element.is_integer()) v = static_cast<T>(element.as_integer()->get());
        } else {
          v = element.value<T>();
        }
        if (!v) wrong_type(key, element, std::is_integral_v<T> ? "integers" : "numbers");
        check_range(key, static_cast<double>(*v), range);
        values.push_back(*v);
      }
      x = std::move(values);
    }
  }

  // Keys present in the table but never asked for.
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : table_)
      if (!used_.count(std::string(k.str()))) out.emplace_back(k.str());
    return out;
  }
  const std::vector<std::string>& known() const { return known_; }

 private:
  const toml::node* find(const char* key) {
    known_.emplace_back(key);
    const toml::node* n = table_.get(key);
    if (n) used_.insert(key);
    return n;
  }

  std::string name(const char* key) const { return where_.empty() ? key : where_ + "." + key; }

  [[noreturn]] void fail(const char* key, const toml::node& n, const std::string& rule) const {
    std::ostringstream out;
    out << name(key) << " = " << show(n);
    const auto& src = n.source();
    if (src.begin.line > 0) out << " (line " << src.begin.line << ")";
    out << ": " << rule;
    throw InputError(out.str());
  }
  [[noreturn]] void wrong_type(const char* key, const toml::node& n, const std::string& type) {
    fail(key, n, "must be " + type);
  }
  void check_range(const char* key, double value, const Range& range) const {
    if (!range.contains(value)) {
      const toml::node* n = table_.get(key);
      fail(key, *n, "out of range: must be " + range.describe());
    }
  }

  const toml::table& table_;
  std::string where_;
  std::set<std::string> used_;
  std::vector<std::string> known_;
};

// Writes every key of a section into a TOML table.
class Writer {
 public:
  explicit Writer(toml::table& table) : table_(table) {}
  void operator()(const char* key, double x, Range, const char*) { table_.insert(key, x); }
  void operator()(const char* key, int x, Range, const char*) { table_.insert(key, x); }
  void operator()(const char* key, std::uint64_t x, Range, const char*) {
    table_.insert(key, static_cast<std::int64_t>(x));
  }
  void operator()(const char* key, bool x, const char*) { table_.insert(key, x); }
  void operator()(const char* key, const std::string& x, const char*) { table_.insert(key, x); }
  void operator()(const char* key, const std::string& x, const Choices&, const char*) {
    table_.insert(key, x);
  }
  template <class T>
  void operator()(const char* key, const std::vector<T>& x, Range, const char*) {
    toml::array array;
    for (const T& v : x) array.push_back(v);
    table_.insert(key, std::move(array));
  }

 private:
  toml::table& table_;
};

// One documentation line per key.
class Describer {
 public:
  Describer(std::ostringstream& out, std::string section)
      : out_(out), section_(std::move(section)) {}
  void operator()(const char* key, double x, Range r, const char* doc) {
    line(key, num(x), r.describe(), doc);
  }
  void operator()(const char* key, int x, Range r, const char* doc) {
    line(key, std::to_string(x), r.describe(), doc);
  }
  void operator()(const char* key, bool x, const char* doc) {
    line(key, x ? "true" : "false", "true or false", doc);
  }
  void operator()(const char* key, const std::string& x, const char* doc) {
    line(key, '"' + x + '"', "a string", doc);
  }
  void operator()(const char* key, const std::string& x, const Choices& c, const char* doc) {
    line(key, '"' + x + '"', c.describe(), doc);
  }
  template <class T>
  void operator()(const char* key, const std::vector<T>& x, Range r, const char* doc) {
    std::string s = "[";
    for (std::size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + num(x[i]);
    line(key, s + "]", "each " + r.describe(), doc);
  }

 private:
  static std::string num(double x) {
    std::ostringstream o;
    o << x;
    return o.str();
  }
  void line(const char* key, const std::string& value, const std::string& allowed,
            const char* doc) {
    out_ << "  " << section_ << "." << key << " = " << value << "    # " << doc << " (" << allowed
         << ")\n";
  }
  std::ostringstream& out_;
  std::string section_;
};

toml::table parse_file(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file))
    throw InputError("config '" + file.string() + "': file does not exist");
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << "config '" << file.string() << "': not valid TOML at line " << e.source().begin.line
        << ", column " << e.source().begin.column << ": " << e.description();
    throw InputError(out.str());
  }
}

// Applies one top-level table (a file, or one override) on top of `config`.
void apply_table(Config& config, const toml::table& root, const std::string& origin) {
  try {
    std::set<std::string> sections;
    config.visit_sections([&](const char* name, auto& section) {
      sections.insert(name);
      const toml::node* node = root.get(name);
      if (!node) return;
      if (!node->is_table())
        throw InputError(std::string(name) + " must be a table ([" + name + "])");
      Reader reader(*node->as_table(), name);
      section.visit(reader);
      const auto unused = reader.unused();
      if (!unused.empty()) {
        std::string known;
        for (const auto& k : reader.known()) known += (known.empty() ? "" : ", ") + k;
        throw InputError("unknown key '" + std::string(name) + "." + unused.front() +
                         "' (keys of [" + name + "]: " + known + ")");
      }
    });

    Reader top(root, "");
    top("seed", config.seed, Range::non_negative(), "");
    std::string preset = config.preset, condition = config.condition;
    top("preset", preset, Choices{preset_names()}, "");
    top("condition", condition, Choices{condition_names()}, "");
    for (const auto& [key, node] : root) {
      const std::string k(key.str());
      if (k != "seed" && k != "preset" && k != "condition" && !sections.count(k)) {
        std::string known = "seed, preset, condition";
        for (const auto& s : sections) known += ", [" + s + "]";
        throw InputError("unknown key or section '" + k + "' (known: " + known + ")");
      }
    }
  } catch (const InputError& e) {
    throw InputError(origin + ": " + e.what());
  }
}

// "section.key=value" -> a TOML table {section = {key = value}}. The value is
// read as TOML; a bare word that is not valid TOML is taken as a string.
toml::table parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("override '" + text + "': expected section.key=value");
  const std::string path = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", value}};
  }
  toml::node_view<toml::node> v = parsed["v"];
  toml::table out;
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    out.insert(path, *v.node());
  } else {
    if (path.find('.', dot + 1) != std::string::npos)
      throw InputError("override '" + text + "': expected section.key=value");
    toml::table section;
    section.insert(path.substr(dot + 1), *v.node());
    out.insert(path.substr(0, dot), std::move(section));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"zhu2026", "clean"};
  return names;
}

void apply_preset(Config& config, const std::string& preset) {
  if (preset == "zhu2026") {
    config = Config{};  // the defaults are the study's code as published
  } else if (preset == "clean") {
    config = Config{};
    config.initial_state.v0_add_rest = false;
    config.training.rewire_scale = 1.0;
  } else {
    Choices c{preset_names()};
    throw InputError("preset '" + preset + "' is unknown: must be " + c.describe());
  }
  config.preset = preset;
}

const std::vector<std::string>& condition_names() {
  static const std::vector<std::string> names = {"main", "one-hot", "no-dale", "lower-inhibition",
                                                 "rate-only"};
  return names;
}

void apply_condition(Config& config, const std::string& condition) {
  if (condition == "one-hot") {
    config.network.n_out = 2;
    config.task.encoding = "one_hot";
  } else if (condition == "no-dale") {
    config.training.dale = false;
    config.connectivity.i_scale = 1.5;
  } else if (condition == "lower-inhibition") {
    config.connectivity.i_scale = 1.5;
  } else if (condition == "rate-only") {
    config.training.loss = "rate";
  } else if (condition != "main") {
    Choices c{condition_names()};
    throw InputError("condition '" + condition + "' is unknown: must be " + c.describe());
  }
  config.condition = condition;
}

namespace {

// Defaults, preset, condition, then `root` (from `origin`), then the overrides.
Config build_config(toml::table root, const std::string& origin,
                    const std::vector<std::string>& overrides, const std::string& preset_override,
                    const std::string& condition_override) {
  // Preset and condition come first: the file and the overrides refine them.
  auto named = [&](const char* key, std::string value, const std::string& flag) {
    if (const auto* p = root.get(key); p && p->is_string()) value = p->as_string()->get();
    const std::string prefix = std::string(key) + "=";
    for (const auto& o : overrides)
      if (o.rfind(prefix, 0) == 0) {
        value = o.substr(prefix.size());
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
          value = value.substr(1, value.size() - 2);
      }
    return flag.empty() ? value : flag;
  };
  const std::string preset = named("preset", "zhu2026", preset_override);
  const std::string condition = named("condition", "main", condition_override);

  Config config;
  try {
    apply_preset(config, preset);
    apply_condition(config, condition);
  } catch (const InputError& e) {
    throw InputError(origin + ": " + e.what());
  }
  root.erase("preset");
  root.erase("condition");
  apply_table(config, root, origin);
  for (const auto& o : overrides) {
    if (o.rfind("preset=", 0) == 0 || o.rfind("condition=", 0) == 0) continue;
    apply_table(config, parse_override(o), "override '" + o + "'");
  }
  validate(config);
  return config;
}

}  // namespace

Config load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                   const std::string& preset_override, const std::string& condition_override) {
  if (file.empty())
    return build_config({}, "configuration", overrides, preset_override, condition_override);
  return build_config(parse_file(file), "config '" + file.string() + "'", overrides,
                      preset_override, condition_override);
}

Config parse_config(const std::string& toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    throw InputError(origin + ": configuration is not valid TOML at line " +
                     std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  return build_config(std::move(root), origin, {}, "", "");
}

void validate(const Config& c) {
  const auto& n = c.network;
  const auto& cn = c.connectivity;
  auto need = [](bool ok, const std::string& message) {
    if (!ok) throw InputError("invalid configuration: " + message);
  };
  need(c.neuron.v_th_mV > c.neuron.E_L_mV, "neuron.v_th_mV (" + std::to_string(c.neuron.v_th_mV) +
                                               ") must exceed neuron.E_L_mV (" +
                                               std::to_string(c.neuron.E_L_mV) + ")");
  // Out-degrees must fit in their target populations (self excluded).
  const struct {
    const char* key;
    double p;
    int eligible;
  } blocks[] = {{"p_EE", cn.p_EE, n.n_e - 1},
                {"p_EI", cn.p_EI, n.n_i},
                {"p_IE", cn.p_IE, n.n_e},
                {"p_II", cn.p_II, n.n_i - 1}};
  for (const auto& b : blocks) {
    const long k = std::lround(b.p * b.eligible);
    need(k <= b.eligible, std::string("connectivity.") + b.key + " gives out-degree " +
                              std::to_string(k) + " but only " + std::to_string(b.eligible) +
                              " targets are eligible");
  }
  need(cn.n_out_from_e <= n.n_e, "connectivity.n_out_from_e = " + std::to_string(cn.n_out_from_e) +
                                     " exceeds network.n_e = " + std::to_string(n.n_e));
  need(cn.n_out_from_i <= n.n_i, "connectivity.n_out_from_i = " + std::to_string(cn.n_out_from_i) +
                                     " exceeds network.n_i = " + std::to_string(n.n_i));
  const int n_units = n.n_e + n.n_i;
  const int max_projecting = n.n_out * (cn.n_out_from_e + cn.n_out_from_i);
  const int eligible_in =
      cn.no_input_to_output ? n_units - std::min(n_units, max_projecting) : n_units;
  need(cn.in_fan_out <= eligible_in,
       "connectivity.in_fan_out = " + std::to_string(cn.in_fan_out) + " exceeds the " +
           std::to_string(eligible_in) + " units that may receive input" +
           (cn.no_input_to_output ? " (units projecting to a readout are excluded)" : ""));
  need(n_units <= 65535, "network.n_e + network.n_i must be at most 65535");
  task::validate_task(c.task);
  const int n_out_task = task::n_outputs(c.task.encoding);
  need(n.n_out == n_out_task, "network.n_out = " + std::to_string(n.n_out) +
                                  " but task.encoding = \"" + c.task.encoding + "\" needs " +
                                  std::to_string(n_out_task) + " readout unit(s)");
  need(c.task.front_end != "cnn" || n.n_in == 16,
       "network.n_in = " + std::to_string(n.n_in) +
           " but the cnn front end (task.front_end) makes 16 input channels");
  for (int u : c.simulation.record_voltage)
    need(u < n_units, "simulation.record_voltage lists unit " + std::to_string(u) +
                          " but units are 0.." + std::to_string(n_units - 1));
}

std::string to_toml(const Config& config_in) {
  Config config = config_in;
  toml::table root;
  root.insert("preset", config.preset);
  root.insert("condition", config.condition);
  root.insert("seed", static_cast<std::int64_t>(config.seed));
  config.visit_sections([&](const char* name, auto& section) {
    toml::table t;
    Writer w(t);
    section.visit(w);
    root.insert(name, std::move(t));
  });
  std::ostringstream out;
  out << root << "\n";
  return out.str();
}

std::string describe_keys() {
  Config config;
  std::ostringstream out;
  out << "  preset = \"zhu2026\"    # named defaults: one of 'zhu2026', 'clean'\n";
  out << "  condition = \"main\"    # the study's condition: one of 'main', 'one-hot', "
         "'no-dale', 'lower-inhibition', 'rate-only'\n";
  out << "  seed = 1    # master seed of every random stream (>= 0)\n";
  config.visit_sections([&](const char* name, auto& section) {
    out << "[" << name << "]\n";
    Describer d(out, name);
    section.visit(d);
  });
  return out.str();
}

}  // namespace eisnn

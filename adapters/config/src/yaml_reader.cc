#include "sightline/config/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <vector>

extern char** environ;

namespace sightline::config {
namespace {

// The path of the first key given twice in one mapping, or "". YAML wants each key once, but
// yaml-cpp keeps both entries and a lookup finds the first: an operator's later line would be
// silently ignored. Depth is bounded, as the file is input.
std::string RepeatedKey(const YAML::Node& node, const std::string& path, int depth = 0) {
  if (depth > 64) return "";
  if (node.IsMap()) {
    std::set<std::string> keys;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) continue;  // Refused by name when the file is finished.
      std::string child = path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
      if (!keys.insert(kv.first.Scalar()).second) return child;
      if (std::string inner = RepeatedKey(kv.second, child, depth + 1); !inner.empty())
        return inner;
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string inner = RepeatedKey(node[i], path + "[" + std::to_string(i) + "]", depth + 1);
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

}  // namespace

struct YamlReader::Impl {
  std::string origin;
  YAML::Node root;
  std::set<std::string> used;  // Keys asked for (and their parents).
  std::vector<std::string> errors;

  // Resolves "a.b[1].c"; returns an undefined node when any step is missing. One pass over the
  // key, no regex: names run to the next '.' or '['; "[n]" indexes a sequence.
  YAML::Node Find(const std::string& key) const {
    YAML::Node node;
    node.reset(root);  // reset() rebinds; operator= would overwrite the tree.
    std::size_t i = 0;
    while (i < key.size()) {
      if (!node || !node.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
      if (key[i] == '.') {
        ++i;
      } else if (key[i] == '[') {
        std::size_t close = key.find(']', i);
        if (close == std::string::npos || close == i + 1 || !node.IsSequence())
          return YAML::Node(YAML::NodeType::Undefined);
        std::size_t index = 0;
        for (std::size_t d = i + 1; d < close; ++d) {
          if (key[d] < '0' || key[d] > '9' || index > 1'000'000)
            return YAML::Node(YAML::NodeType::Undefined);
          index = index * 10 + static_cast<std::size_t>(key[d] - '0');
        }
        if (index >= node.size()) return YAML::Node(YAML::NodeType::Undefined);
        YAML::Node next = node[index];
        node.reset(next);
        i = close + 1;
      } else {
        std::size_t end = key.find_first_of(".[", i);
        if (end == std::string::npos) end = key.size();
        if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
        YAML::Node next = node[key.substr(i, end - i)];
        node.reset(next);
        i = end;
      }
    }
    return node;
  }

  void Use(const std::string& key) {
    used.insert(key);
    for (std::size_t pos = key.find_last_of(".["); pos != std::string::npos && pos > 0;
         pos = key.find_last_of(".[", pos - 1)) {
      used.insert(key.substr(0, pos));
    }
  }

  // Walks the document and lists every scalar-bearing key no one asked for.
  void Unknown(const YAML::Node& node, const std::string& path,
               std::vector<std::string>& out) const {
    if (!path.empty() && used.count(path) && !node.IsMap() && !node.IsSequence()) return;
    if (!path.empty() && used.count(path + "*")) return;  // Taken whole (StringMap).
    if (node.IsMap()) {
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {  // "? [a, b]: x" or "{a: 1}: x": never one of ours.
          out.push_back((path.empty() ? "" : path + ".") + "(a key that is not a plain name)");
          continue;
        }
        std::string child = path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
        Unknown(kv.second, child, out);
      }
    } else if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        Unknown(node[i], path + "[" + std::to_string(i) + "]", out);
      }
    } else if (!used.count(path)) {
      out.push_back(path);
    }
  }
};

YamlReader::YamlReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
YamlReader::YamlReader(YamlReader&&) noexcept = default;
YamlReader& YamlReader::operator=(YamlReader&&) noexcept = default;
YamlReader::~YamlReader() = default;

StatusOr<YamlReader> YamlReader::FromString(const std::string& text, const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = origin;
  try {
    impl->root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(origin + ": not valid YAML: " + e.what());
  }
  if (impl->root.IsNull()) impl->root = YAML::Node(YAML::NodeType::Map);
  if (!impl->root.IsMap()) return InvalidArgument(origin + ": the top level must be a mapping");
  if (std::string twice = RepeatedKey(impl->root, ""); !twice.empty())
    return InvalidArgument(origin + ": " + twice + ": given twice; give each key once");
  return YamlReader(std::move(impl));
}

StatusOr<YamlReader> YamlReader::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return FromString(text.str(), path);
}

std::string YamlReader::String(const std::string& key, const std::string& fallback) {
  impl_->Use(key);
  YAML::Node n = impl_->Find(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  if (!n.IsScalar()) {
    Fail(key, "must be a single value");
    return fallback;
  }
  return n.Scalar();
}

std::int64_t YamlReader::Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) {
  impl_->Use(key);
  YAML::Node n = impl_->Find(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  std::int64_t v = 0;
  if (!n.IsScalar() || !YAML::convert<std::int64_t>::decode(n, v)) {
    Fail(key, "must be a whole number, got '" + (n.IsScalar() ? n.Scalar() : "a structure") + "'");
    return fallback;
  }
  if (v < min || v > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                  std::to_string(v));
    return fallback;
  }
  return v;
}

bool YamlReader::Bool(const std::string& key, bool fallback) {
  impl_->Use(key);
  YAML::Node n = impl_->Find(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    Fail(key, "must be true or false");
    return fallback;
  }
  return v;
}

std::map<std::string, std::string> YamlReader::StringMap(const std::string& key) {
  impl_->Use(key);
  impl_->used.insert(key + "*");
  std::map<std::string, std::string> out;
  YAML::Node n = impl_->Find(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    Fail(key, "must be a mapping of names to values");
    return out;
  }
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) {
      Fail(key, "names must be plain scalars");
      continue;
    }
    if (!kv.second.IsScalar()) {
      Fail(key + "." + kv.first.Scalar(), "must be a single value");
      continue;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

std::size_t YamlReader::ListSize(const std::string& key) {
  impl_->Use(key);
  YAML::Node n = impl_->Find(key);
  if (!n.IsDefined() || n.IsNull()) return 0;
  if (!n.IsSequence()) {
    Fail(key, "must be a list");
    return 0;
  }
  return n.size();
}

void YamlReader::Fail(const std::string& key, const std::string& reason) {
  impl_->errors.push_back(key + ": " + reason);
}

Status YamlReader::Finish() const {
  std::vector<std::string> problems = impl_->errors;
  std::vector<std::string> unknown;
  impl_->Unknown(impl_->root, "", unknown);
  for (const std::string& key : unknown) {
    problems.push_back(key + ": unknown key (misspelt? see the commented sample under deploy/)");
  }
  if (problems.empty()) return Status::Ok();
  std::string message = impl_->origin + ": invalid configuration";
  for (const std::string& p : problems) message += "\n  " + p;
  return InvalidArgument(message);
}

std::map<std::string, std::string> SightlineEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (kv.rfind("SIGHTLINE_", 0) == 0 && eq != std::string::npos)
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace sightline::config

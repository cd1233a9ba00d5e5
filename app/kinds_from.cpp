// Loading the --kinds-from plugins and merging their kinds, refusing a name that is taken.
#include "app/kinds_from.hpp"

#include "cohort/plugin.hpp"

#include <map>
#include <string>

namespace cohort::app {

void add_kinds_from(const std::vector<given_value>& files, registry& kinds) {
  // Which plugin brought each kind, to name it when another plugin's kind takes the same name.
  std::map<std::string, std::string, std::less<>> loaded_from;
  for (const auto& file : files) {
    std::shared_ptr<registry> theirs;
    try {
      theirs = load_plugin(file.text);
    } catch (const plugin_error& e) {
      throw usage_error(label("kinds-from", file) + ": " + e.what());
    }
    for (const auto& name : theirs->names()) {
      if (kinds.find(name)) {
        auto by = loaded_from.find(name);
        throw usage_error(label("kinds-from", file) + ": " + file.text + ": job kind '" + name +
                          "' is taken by " +
                          (by == loaded_from.end() ? std::string("a built-in kind") : by->second));
      }
      kinds.add(theirs->find(name));
      loaded_from.emplace(name, file.text);
    }
  }
}

} // namespace cohort::app

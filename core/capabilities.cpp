// Capability words: split at commas, checked against a worker's grants, named for messages.
#include "cohort/capabilities.hpp"

#include <algorithm>

namespace cohort {

namespace {

// Calls `each` with every word of `needed`, trimmed, until it returns false; allocates nothing,
// as the master asks it for every worker a batch might go to.
template <class Each> void for_each_word(std::string_view needed, Each each) {
  while (!needed.empty()) {
    const auto comma = needed.find(',');
    auto word = needed.substr(0, comma);
    while (!word.empty() && word.front() == ' ') {
      word.remove_prefix(1);
    }
    while (!word.empty() && word.back() == ' ') {
      word.remove_suffix(1);
    }
    if (!word.empty() && !each(word)) {
      return;
    }
    if (comma == std::string_view::npos) {
      return;
    }
    needed.remove_prefix(comma + 1);
  }
}

} // namespace

std::vector<std::string> capability_words(std::string_view needed) {
  std::vector<std::string> words;
  for_each_word(needed, [&words](std::string_view word) {
    words.emplace_back(word);
    return true;
  });
  return words;
}

std::string missing_capability(std::string_view needed, const std::vector<std::string>& granted) {
  std::string missing;
  for_each_word(needed, [&](std::string_view word) {
    if (std::find(granted.begin(), granted.end(), word) != granted.end()) {
      return true;
    }
    missing = word;
    return false;
  });
  return missing;
}

std::string allow_flags(std::string_view needed) {
  std::string flags;
  for (const auto& word : capability_words(needed)) {
    flags += (flags.empty() ? "--allow-" : " --allow-") + word;
  }
  return flags;
}

std::string capability_names(std::string_view needed) {
  const auto words = capability_words(needed);
  std::string names;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      names += i + 1 == words.size() ? " and " : ", ";
    }
    names += words[i];
  }
  return names;
}

} // namespace cohort

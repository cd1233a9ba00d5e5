// Markdown tables of the options and the kinds, walked from the same tables as --help and
// `cohort kinds`.
#include "app/reference_text.hpp"

#include "app/reference_sections.hpp"

#include "app/kinds_text.hpp"
#include "app/option_schema.hpp"

#include <stdexcept>

namespace cohort::app {

namespace {

/// A table cell: pipes escaped, an empty cell shown as a dash.
std::string cell(std::string_view text) {
  if (text.empty()) {
    return "-";
  }
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string code(std::string_view text) {
  return text.empty() ? "-" : "`" + cell(text) + "`";
}

} // namespace

std::string options_reference() {
  std::string out;
  for (const auto& [title, options] : option_sections()) {
    out += "### " + std::string(title) + "\n\n";
    out += "| option | default | meaning |\n|---|---|---|\n";
    for (const auto* o : options) {
      auto left = "--" + std::string(o->name);
      if (!o->arg.empty()) {
        left += " " + std::string(o->arg);
      }
      std::string notes;
      if ((o->traits & repeated) != 0) {
        notes += " (repeatable)";
      }
      if ((o->traits & command_line_only) != 0) {
        notes += " (command line only)";
      }
      out += "| " + code(left) + " | " + code(shown_default(*o)) + " | " +
             cell(std::string(o->help) + notes) + " |\n";
    }
    out += "\n";
  }
  return out;
}

std::string kinds_reference(const registry& kinds) {
  std::string out;
  for (const auto& name : kinds.names()) {
    auto k = kinds.find(name);
    out += "### " + name + "\n\n" + std::string(k->summary()) + ". " + kind_traits(*k) + ".\n\n";
    out += "| param | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& p : k->parameters()) {
      out += "| " + code(p.name) + " | " + code(type_name(p)) + " | " +
             (p.required ? std::string("required") : code(p.fallback)) + " | " + cell(p.meaning) +
             " |\n";
    }
    out += "\n";
  }
  return out;
}

std::vector<reference_section> reference_sections(const registry& kinds) {
  return {{"options", options_reference()}, {"kinds", kinds_reference(kinds)}};
}

std::string with_sections(std::string doc, const std::vector<reference_section>& sections) {
  for (const auto& [name, text] : sections) {
    auto begin = "<!-- begin " + name + " -->\n";
    auto end = "<!-- end " + name + " -->";
    auto from = doc.find(begin);
    auto to = from == std::string::npos ? from : doc.find(end, from);
    if (to == std::string::npos) {
      throw std::runtime_error("no '" + begin.substr(0, begin.size() - 1) + "' ... '" + end +
                               "' in the document");
    }
    from += begin.size();
    doc.replace(from, to - from, text);
  }
  return doc;
}

} // namespace cohort::app

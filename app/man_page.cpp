// The page's fixed parts are short and point at the repository's docs for the long story; its
// options and kinds are the same rows as --help and docs/reference.md.
#include "app/man_page.hpp"

#include "app/kinds_text.hpp"
#include "app/option_schema.hpp"

namespace cohort::app {

namespace {

std::string option_line(const option& o) {
  auto left = "\\fB" + roff_text("--" + std::string(o.name)) + "\\fR";
  if (!o.arg.empty()) {
    left += " \\fI" + roff_text(o.arg) + "\\fR";
  }
  return left;
}

std::string paragraph(std::string_view text) {
  return ".PP\n" + roff_text(text) + "\n";
}

} // namespace

std::string roff_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c == '\n') {
      out += "\n";
    } else {
      out += c;
    }
  }
  // A line that starts with a dot or a quote would be read as a request.
  std::string guarded;
  bool line_start = true;
  for (char c : out) {
    if (line_start && (c == '.' || c == '\'')) {
      guarded += "\\&";
    }
    guarded += c;
    line_start = c == '\n';
  }
  return guarded;
}

std::string man_page(const registry& kinds, std::string_view version) {
  std::string out = ".TH COHORT 1 \"\" \"cohort " + roff_text(version) + "\" \"User Commands\"\n";
  out += ".SH NAME\ncohort \\- run a big job on every core of one host or many, as a master and "
         "workers\n";
  out += ".SH SYNOPSIS\n";
  for (const auto* line :
       {"cohort master [OPTIONS]", "cohort master --serve --listen [HOST:]PORT [OPTIONS]",
        "cohort worker --master HOST:PORT [OPTIONS]",
        "cohort worker --listen [HOST:]PORT [OPTIONS]",
        "cohort submit --master HOST:PORT (--job KIND [--param K=V]... | --jobs FILE)",
        "cohort wait|cancel --master HOST:PORT ID...", "cohort jobs --master HOST:PORT [--all]",
        "cohort status --master HOST:PORT", "cohort kinds [KIND] [--kinds-from FILE]...",
        "cohort --help | --version"}) {
    out += ".br\n" + roff_text(line) + "\n";
  }
  out += ".SH DESCRIPTION\n";
  out += paragraph(
      "A master splits each job into tasks and hands them to worker actors: its own "
      "(--local-workers, "
      "all cores by default) and those of cohort worker processes that join it over the network. "
      "Dispatch follows each worker's free credit; a worker that dies or drops off the network has "
      "its tasks run elsewhere, and every task is merged exactly once. Each job ends in one JSON "
      "line on standard output; progress and lifecycle lines go to standard error.");
  out += paragraph("Without a job, cohort master counts the primes below 10^10 on every core.");
  out += ".SH OPTIONS\n";
  out += paragraph("Every option is also a key of a config file (--config FILE, INI); the command "
                   "line wins. DUR is a number with a unit (500ms, 1.5s, 2min) or off; SIZE is "
                   "bytes, or with KiB, MiB or GiB.");
  for (const auto& [title, options] : option_sections()) {
    out += ".SS " + roff_text(title) + "\n";
    for (const auto* o : options) {
      out += ".TP\n" + option_line(*o) + "\n" + roff_text(o->help);
      const auto shown = shown_default(*o);
      if (!shown.empty()) {
        out += " (default: " + roff_text(shown) + ")";
      }
      if ((o->traits & repeated) != 0) {
        out += " (repeatable)";
      }
      out += "\n";
    }
  }
  out += ".SH JOB KINDS\n";
  for (const auto& name : kinds.names()) {
    const auto k = kinds.find(name);
    out += ".SS " + roff_text(name) + "\n";
    out += roff_text(std::string(k->summary()) + ". " + kind_traits(*k) + ".") + "\n";
    for (const auto& p : k->parameters()) {
      out += ".TP\n\\fB" + roff_text(p.name) + "\\fR=\\fI" + roff_text(type_name(p)) + "\\fR\n" +
             roff_text(p.meaning) +
             (p.required           ? std::string(" (required)")
              : p.fallback.empty() ? std::string()
                                   : " (default: " + roff_text(p.fallback) + ")") +
             "\n";
    }
  }
  out += ".SH EXIT STATUS\n";
  out += paragraph("master, submit, wait: 0 every job ok; 1 a job failed, or a runtime failure "
                   "(a port in use, no spawn node where --spawn-on points, the master out of "
                   "reach); 2 bad command line, config file, jobs file or parameters (nothing "
                   "ran); 130 after SIGINT, 143 after SIGTERM (running jobs cancelled first). "
                   "worker: 0 after a drained stop; 1 when it cannot reach its master within "
                   "--connect-timeout, lost it with --exit-with-master, or its --listen port is "
                   "in use; 2 bad command line or config file.");
  out += ".SH FILES\n";
  out += ".TP\n/etc/cohort/master.ini, /etc/cohort/worker.ini\nthe config files of the "
         "cohort\\-master and cohort\\-worker systemd units\n";
  out += ".SH SEE ALSO\n";
  out += paragraph("The reference with every output field and invariant, and the guides to the "
                   "service, the journal, the status page, exec and security: "
                   "/usr/share/doc/cohort and the docs/ folder of the source.");
  return out;
}

} // namespace cohort::app

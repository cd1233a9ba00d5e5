// The --help text, walked from the option schema: each option with its argument, its help line and
// its default as the settings themselves hold it.
#include "app/command_line.hpp"
#include "app/option_schema.hpp"

#include <algorithm>
#include <string>

namespace cohort::app {

namespace {

std::string left_column(const option& o) {
  std::string left = "--" + std::string(o.name);
  if (!o.arg.empty()) {
    left += " " + std::string(o.arg);
  }
  return left;
}

} // namespace

std::string usage_text(const registry& kinds) {
  std::string out =
      "usage: cohort master [OPTIONS]   run jobs; print one JSON line per job on stdout\n"
      "       cohort worker [OPTIONS]   join a master (--master) or serve as a spawn node "
      "(--listen)\n"
      "       cohort master --serve --listen [HOST:]PORT [OPTIONS]\n"
      "                                 keep running; take jobs from clients until SIGTERM/SIGINT\n"
      "       cohort submit --master HOST:PORT (--job KIND [--param K=V]... | --jobs FILE)\n"
      "                                 run jobs on a serving master; print their lines\n"
      "       cohort wait --master HOST:PORT ID...    the lines of those jobs, once they end\n"
      "       cohort jobs --master HOST:PORT [--all]  one JSON line per job\n"
      "       cohort cancel --master HOST:PORT ID...  cancel those jobs\n"
      "       cohort status --master HOST:PORT        workers, running and queued jobs, uptime\n"
      "       cohort kinds [KIND] [--kinds-from FILE]...\n"
      "                                 the job kinds, or one kind's parameters\n"
      "       cohort --help | --version\n"
      "\nDUR: a number with a unit (ns, us, ms, s, min, h), e.g. 500ms, 1.5s, 2min, "
      "or off. SIZE: bytes, or with B, KiB, MiB, GiB.\n";
  std::size_t width = 0;
  for (const auto& o : option_schema()) {
    width = std::max(width, left_column(o).size());
  }
  for (const auto& [title, options] : option_sections()) {
    out += "\n" + std::string(title) + ":\n";
    for (const auto* o : options) {
      auto left = left_column(*o);
      auto fallback = shown_default(*o);
      out += "  " + left + std::string(width + 2 - left.size(), ' ') + std::string(o->help);
      if ((o->traits & repeated) != 0) {
        out += ", repeatable";
      }
      if (!fallback.empty()) {
        out += " (" + fallback + ")";
      }
      out += "\n";
    }
  }
  std::string names;
  std::string aids;
  for (const auto& n : kinds.names()) {
    auto& list = kinds.find(n)->test_aid() ? aids : names;
    list += (list.empty() ? "" : ", ") + n;
  }
  out += "\njob kinds: " + names + " (`cohort kinds KIND` lists a kind's parameters)\n";
  if (!aids.empty()) {
    out += "job kinds for testing: " + aids + "\n";
  }
  return out;
}

} // namespace cohort::app

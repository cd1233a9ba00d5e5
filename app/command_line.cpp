// The command line: Boost.Program_options splits argv, our INI reader supplies the config file,
// and every value goes through the option schema, so the library gets typed values traceable to
// their source.
#include "app/command_line.hpp"

#include "app/ini.hpp"
#include "app/jobs_file.hpp"
#include "app/kinds_from.hpp"
#include "app/option_schema.hpp"
#include "app/suggest.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string_view>

namespace cohort::app {

namespace {

namespace po = boost::program_options;

constexpr std::string_view command_line = "command line";
constexpr std::string_view token_env = "COHORT_TOKEN";
constexpr std::string_view client_token_env = "COHORT_CLIENT_TOKEN";

/// The modes by their word on the command line.
constexpr std::pair<std::string_view, std::pair<app_mode, mode_bits>> mode_words[] = {
    {"master", {app_mode::master, for_master}}, {"worker", {app_mode::worker, for_worker}},
    {"submit", {app_mode::submit, for_submit}}, {"wait", {app_mode::wait, for_wait}},
    {"jobs", {app_mode::jobs, for_jobs}},       {"cancel", {app_mode::cancel, for_cancel}},
    {"status", {app_mode::status, for_status}}};

using given_map = std::map<std::string, std::vector<given_value>, std::less<>>;

/// Command-line values by key, and the positional words, in order.
struct command_line_words {
  given_map options;
  std::vector<std::string> positionals;
};

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (const auto& o : option_schema()) {
    names.emplace_back(o.name);
  }
  return names;
}

command_line_words split_argv(int argc, const char* const* argv) {
  po::options_description desc;
  for (const auto& o : option_schema()) {
    std::string name(o.name);
    if ((o.traits & flag) != 0) {
      desc.add_options()(name.c_str(), po::bool_switch());
    } else {
      desc.add_options()(name.c_str(), po::value<std::string>());
    }
  }
  desc.add_options()("positional", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("positional", -1);
  // Guessing would let `--slot` mean `--slots`; a typo must be an error instead.
  auto style = po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;

  po::parsed_options parsed(&desc);
  try {
    parsed =
        po::command_line_parser(argc, argv).options(desc).positional(positional).style(style).run();
  } catch (const po::unknown_option& e) {
    auto name = e.get_option_name();
    const auto bare = name.substr(std::min(name.size(), name.find_first_not_of('-')));
    throw usage_error("unknown option '" + name + "'" + did_you_mean(bare, option_names(), "--") +
                      " (cohort --help lists every option)");
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter) {
      throw usage_error("option " + e.get_option_name() + " needs a value");
    }
    if (e.kind() == po::invalid_syntax::extra_parameter) {
      throw usage_error("option " + e.get_option_name() + " takes no value");
    }
    throw usage_error(e.what());
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }

  command_line_words out;
  for (const auto& o : parsed.options) {
    if (o.string_key == "positional") {
      if (o.position_key < 0) {
        throw usage_error("unknown option '--positional'");
      }
      out.positionals.insert(out.positionals.end(), o.value.begin(), o.value.end());
      continue;
    }
    const auto* def = find_option(o.string_key);
    auto& values = out.options[o.string_key];
    if ((def->traits & repeated) == 0 && !values.empty()) {
      throw usage_error("option --" + o.string_key + " is given twice");
    }
    values.push_back({o.value.empty() ? "true" : o.value.front(), std::string(command_line)});
  }
  return out;
}

given_map read_config(const std::string& path, unsigned mode) {
  std::vector<ini_entry> entries;
  try {
    entries = read_ini_file(path);
  } catch (const config_error& e) {
    throw usage_error(e.what());
  }
  given_map out;
  for (auto& e : entries) {
    auto where = path + ":" + std::to_string(e.line);
    const auto* def = find_option(e.key);
    if (def == nullptr) {
      throw usage_error(where + ": unknown key '" + e.key + "'" +
                        did_you_mean(e.key, option_names()));
    }
    if ((def->traits & command_line_only) != 0) {
      throw usage_error(where + ": key '" + e.key + "' belongs on the command line");
    }
    if ((def->modes & mode) == 0) {
      throw usage_error(where + ": key '" + e.key + "' is for " + mode_names(def->modes));
    }
    auto& values = out[e.key];
    if ((def->traits & repeated) == 0 && !values.empty()) {
      throw usage_error(where + ": key '" + e.key + "' is set twice (first at " +
                        values.front().source + ")");
    }
    // A file named in a config file is found beside it, wherever cohort runs from.
    if ((def->arg == "FILE" || def->arg == "DIR") && !e.value.empty() && e.value != "-" &&
        std::filesystem::path(e.value).is_relative()) {
      e.value = (std::filesystem::path(path).parent_path() / e.value).lexically_normal().string();
    }
    values.push_back({std::move(e.value), where});
  }
  return out;
}

/// Command line over config file, key by key; except that a job named on the command line (--job,
/// --param, --jobs) replaces the file's job settings as a whole, so the two never mix into one job.
given_map merge(const given_map& cmd, given_map file) {
  constexpr std::string_view job_keys[] = {"job", "param", "jobs"};
  bool cmd_names_job = std::any_of(std::begin(job_keys), std::end(job_keys),
                                   [&cmd](auto k) { return cmd.find(k) != cmd.end(); });
  if (cmd_names_job) {
    for (auto k : job_keys) {
      file.erase(std::string(k));
    }
  }
  for (const auto& [key, values] : cmd) {
    file[key] = values;
  }
  return file;
}

/// The file's contents, or usage_error "LABEL: cannot read 'PATH': REASON".
std::string read_whole(const std::string& what, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw usage_error(what + ": cannot read '" + path + "': it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(what + ": cannot read '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const given_value* first(const given_map& given, std::string_view key) {
  auto i = given.find(key);
  return i == given.end() ? nullptr : &i->second.front();
}

template <class State> auto& network_of(State& s) {
  return s.mode == for_master   ? s.cfg.master.network
         : s.mode == for_worker ? s.cfg.worker.network
                                : s.cfg.client.network;
}

/// The secret in the file `key` names, else in the environment variable `env`; none when neither.
std::optional<std::string> read_secret(const given_map& given, std::string_view key,
                                       const std::string& file, std::string_view env) {
  if (!file.empty()) {
    auto what = label(key, *first(given, key));
    auto token = read_whole(what, file);
    auto begin = token.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
      throw usage_error(what + ": '" + file + "' holds no token");
    }
    return token.substr(begin, token.find_last_not_of(" \t\r\n") - begin + 1);
  }
  if (const char* value = std::getenv(env.data()); value != nullptr && *value != '\0') {
    return std::string(value);
  }
  return std::nullopt;
}

void read_security(parse_state& s, const given_map& given) {
  auto& net = network_of(s);
  net.token = read_secret(given, "token-file", s.token_file, token_env);
  if (s.mode != for_worker) {
    net.client_token =
        read_secret(given, "client-token-file", s.client_token_file, client_token_env);
  }

  const std::pair<std::string_view, const std::string*> files[] = {
      {"tls-cert", &s.tls_cert}, {"tls-key", &s.tls_key}, {"tls-ca", &s.tls_ca}};
  std::string missing;
  bool any = false;
  for (const auto& [key, file] : files) {
    if (file->empty()) {
      missing += (missing.empty() ? "--" : ", --") + std::string(key);
      continue;
    }
    any = true;
    read_whole(label(key, *first(given, key)), *file);
  }
  if (any && !missing.empty()) {
    throw usage_error("--tls-cert, --tls-key and --tls-ca go together: missing " + missing);
  }
  if (any) {
    net.tls = tls_files{s.tls_cert, s.tls_key, s.tls_ca};
  }
  if (net.listen && !net.tls && !s.insecure && !is_loopback(net.listen->host)) {
    throw usage_error(
        "--listen " + to_string(*net.listen) +
        " is not a loopback address and TLS is off: CAF's plain port trusts whatever bytes "
        "arrive (a crafted header makes it allocate any size); give --tls-cert, --tls-key and "
        "--tls-ca, or --insecure on a network you trust");
  }
  if (s.mode == for_master) {
    const auto& http = s.cfg.master.http;
    if (http && !net.tls && !s.insecure && !is_loopback(http->host)) {
      throw usage_error("--http " + to_string(*http) +
                        " is not a loopback address and TLS is off: the token and the page would "
                        "cross the network in clear; give --tls-cert, --tls-key and --tls-ca "
                        "(HTTPS with that certificate), or --insecure on a network you trust");
    }
  }
}

/// --kinds-from: a worker loads a plugin only when it may run code it was not built with.
void read_kinds_from(const parse_state& s, const given_map& given, registry& kinds) {
  auto files = given.find("kinds-from");
  if (files == given.end()) {
    return;
  }
  const auto& caps = s.cfg.worker.workers.capabilities;
  if (s.mode == for_worker && std::find(caps.begin(), caps.end(), "exec") == caps.end()) {
    throw usage_error(label("kinds-from", files->second.front()) +
                      " needs --allow-exec: loading a library runs its code");
  }
  add_kinds_from(files->second, kinds);
}

/// `file=-`: what the job's kind reads (exec: its commands) comes from standard input, read here on
/// the side that submits, into the kind's stdin param. Standard input is read once.
void take_stdin(job_request& job, const registry& kinds, bool& stdin_taken) {
  const auto file = job.args.get("file");
  const auto kind = kinds.find(job.kind);
  if (!file || *file != "-" || kind == nullptr) {
    return;
  }
  const auto into = kind->stdin_param();
  if (into.empty()) {
    throw usage_error(job.kind + ": param 'file': '-' (standard input) is not read by this kind");
  }
  if (stdin_taken) {
    throw usage_error("standard input is read once: only one of --jobs - and a job's file=- can "
                      "take it");
  }
  stdin_taken = true;
  std::ostringstream text;
  text << std::cin.rdbuf();
  auto values = job.args.all();
  values.erase("file");
  values[std::string(into)] = text.str();
  job.args = params(std::move(values));
}

void read_jobs(parse_state& s, const given_map& given, const registry& kinds) {
  bool stdin_taken = false;
  const auto* jobs = first(given, "jobs");
  const auto* kind = first(given, "job");
  const auto* param = first(given, "param");
  if (const auto* name = first(given, "name"); name != nullptr && kind == nullptr) {
    throw usage_error(label("name", *name) + " names a --job" +
                      (jobs != nullptr ? "; give each job of --jobs its \"name\"" : ""));
  }
  if (jobs != nullptr && kind != nullptr) {
    throw usage_error(label("job", *kind) + " cannot be combined with --jobs");
  }
  if (jobs != nullptr && param != nullptr) {
    throw usage_error(label("param", *param) + " '" + param->text +
                      "' cannot be combined with --jobs (params go in the jobs file)");
  }
  if (jobs != nullptr) {
    try {
      stdin_taken = s.jobs_file == "-";
      auto lines = read_jobs_file(s.jobs_file, s.job_defaults);
      for (auto& l : lines) {
        try {
          take_stdin(l.job, kinds, stdin_taken);
        } catch (const usage_error& e) {
          throw jobs_file_error(s.jobs_file + ":" + std::to_string(l.line) + ": " + e.what());
        }
      }
      if (s.mode == for_submit) {
        // The master checks a client's jobs, against its own kinds.
        for (auto& l : lines) {
          s.cfg.client_jobs.push_back(std::move(l.job));
        }
      } else {
        s.cfg.jobs = check_jobs(lines, s.jobs_file, kinds);
      }
    } catch (const jobs_file_error& e) {
      throw usage_error(e.what());
    }
    return;
  }
  if (kind == nullptr && param != nullptr) {
    throw usage_error(label("param", *param) + " '" + param->text + "' needs --job KIND");
  }
  if (s.mode == for_submit) {
    if (kind == nullptr) {
      throw usage_error("submit needs --job KIND or --jobs FILE");
    }
    job_request job = s.job_defaults;
    job.kind = s.job_kind;
    job.args = s.job_params;
    take_stdin(job, kinds, stdin_taken);
    s.cfg.client_jobs.push_back(std::move(job));
    return;
  }
  if (kind == nullptr && (s.cfg.master.master.serve || !s.cfg.master.master.journal.empty())) {
    // A serving master runs only the jobs it is given; with a journal and no job given, a master
    // runs what the journal holds unfinished.
    return;
  }
  job_request job = s.job_defaults;
  if (kind == nullptr) {
    auto fallback = default_job();
    job.kind = fallback.kind;
    job.args = fallback.args;
  } else {
    job.kind = s.job_kind;
    job.args = s.job_params;
  }
  if (!kinds.find(job.kind)) {
    std::string known;
    for (const auto& name : kinds.names()) {
      known += (known.empty() ? "" : ", ") + name;
    }
    throw usage_error("unknown job kind '" + job.kind + "'" +
                      did_you_mean(job.kind, kinds.names()) + " (known: " + known + ")");
  }
  take_stdin(job, kinds, stdin_taken);
  try {
    s.cfg.jobs.push_back(check_job(kinds, std::move(job)));
  } catch (const param_error& e) {
    throw usage_error(e.what());
  }
}

/// The job numbers after a wait or cancel mode word.
void read_ids(parse_state& s, const std::vector<std::string>& words) {
  if (words.size() < 2) {
    throw usage_error(words.front() + " needs the numbers of the jobs (see cohort jobs)");
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::uint64_t id = 0;
    const auto& w = words[i];
    auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), id);
    if (ec != std::errc() || ptr != w.data() + w.size() || id == 0) {
      throw usage_error("bad job number '" + w + "': expected a number from 1 (see cohort jobs)");
    }
    if (std::find(s.cfg.ids.begin(), s.cfg.ids.end(), id) != s.cfg.ids.end()) {
      throw usage_error("job " + w + " is given twice");
    }
    s.cfg.ids.push_back(id);
  }
}

/// What --print-config shows, built from the final state so it shows what will be used.
std::string print_config(const parse_state& s, const given_map& given) {
  std::map<std::string, std::vector<given_value>> shown;
  for (const auto& o : option_schema()) {
    if ((o.modes & s.mode) == 0 || o.name == "print-config") {
      continue;
    }
    auto& out = shown[std::string(o.name)];
    auto g = given.find(o.name);
    if (g != given.end() && (o.traits & repeated) != 0) {
      out = g->second;
      continue;
    }
    auto source = g == given.end() ? std::string("default") : g->second.front().source;
    for (auto& row : o.show(s)) {
      out.push_back({std::move(row), source});
    }
  }
  const auto& net = network_of(s);
  if (net.token) {
    const auto* file = first(given, "token-file");
    shown["token"].push_back({"<redacted>", file ? file->source : "env " + std::string(token_env)});
  }
  if (net.client_token) {
    const auto* file = first(given, "client-token-file");
    shown["client-token"].push_back(
        {"<redacted>", file ? file->source : "env " + std::string(client_token_env)});
  }
  std::string text;
  for (const auto& [key, rows] : shown) {
    for (const auto& row : rows) {
      text += key + " = " + row.text + "  # " + row.source + "\n";
    }
  }
  return text;
}

} // namespace

app_config parse_command_line(int argc, const char* const* argv, registry& kinds) {
  parse_state s;
  if (argc <= 1) {
    return s.cfg;
  }
  // --help and --version win wherever they stand, even beside mistakes.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      s.cfg.mode = app_mode::help;
      return s.cfg;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      s.cfg.mode = app_mode::version;
      return s.cfg;
    }
  }

  auto words = split_argv(argc, argv);
  if (words.positionals.empty()) {
    throw usage_error("missing mode: cohort master|worker|submit|wait|jobs|cancel|status|kinds "
                      "[OPTIONS] (see --help)");
  }
  const auto& mode_word = words.positionals.front();
  if (mode_word == "kinds") {
    // A plugin's kinds are listed like the built-ins: the way to see what one adds.
    const auto plugins = words.options.find("kinds-from");
    if (words.options.size() > (plugins == words.options.end() ? 0U : 1U)) {
      throw usage_error("cohort kinds takes no options but --kinds-from");
    }
    if (words.positionals.size() > 2) {
      throw usage_error("unexpected argument '" + words.positionals[2] + "'");
    }
    s.cfg.mode = app_mode::kinds;
    if (plugins != words.options.end()) {
      for (const auto& v : plugins->second) {
        find_option("kinds-from")->apply(s, v);
      }
      add_kinds_from(plugins->second, kinds);
    }
    if (words.positionals.size() == 2) {
      s.cfg.kind = words.positionals[1];
      if (!kinds.find(s.cfg.kind)) {
        throw usage_error("unknown job kind '" + s.cfg.kind + "'" +
                          did_you_mean(s.cfg.kind, kinds.names()) + " (see cohort kinds)");
      }
    }
    return s.cfg;
  }
  auto word = std::find_if(std::begin(mode_words), std::end(mode_words),
                           [&](const auto& w) { return w.first == mode_word; });
  if (word == std::end(mode_words)) {
    std::vector<std::string> modes{"kinds"};
    for (const auto& w : mode_words) {
      modes.emplace_back(w.first);
    }
    throw usage_error("unknown mode '" + mode_word + "'" + did_you_mean(mode_word, modes) +
                      " (master | worker | submit | wait | jobs | cancel | status | kinds)");
  }
  s.cfg.mode = word->second.first;
  s.mode = word->second.second;
  if (s.mode == for_wait || s.mode == for_cancel) {
    read_ids(s, words.positionals);
  } else if (words.positionals.size() > 1) {
    throw usage_error("unexpected argument '" + words.positionals[1] + "'");
  }
  for (const auto& [key, values] : words.options) {
    const auto* def = find_option(key);
    if ((def->modes & s.mode) == 0) {
      throw usage_error("option --" + key + " is for " + mode_names(def->modes));
    }
  }

  given_map file;
  if (auto c = words.options.find("config"); c != words.options.end()) {
    const auto& path = c->second.front();
    if (path.text.empty()) {
      bad("config", path, "must not be empty");
    }
    file = read_config(path.text, s.mode);
  }
  auto given = merge(words.options, std::move(file));
  for (const auto& o : option_schema()) {
    if (auto g = given.find(o.name); g != given.end()) {
      for (const auto& v : g->second) {
        o.apply(s, v);
      }
    }
  }
  read_security(s, given);
  read_kinds_from(s, given, kinds);
  if (s.mode == for_worker) {
    const auto& w = s.cfg.worker;
    if (w.master.has_value() == w.network.listen.has_value()) {
      throw usage_error(w.master ? "worker mode takes --master or --listen, not both"
                                 : "worker mode needs --master HOST:PORT or --listen [HOST:]PORT");
    }
  } else if (s.mode == for_master) {
    read_jobs(s, given, kinds);
    s.cfg.master.master.progress = s.cfg.progress;
    if (s.cfg.master.master.serve && !s.cfg.master.network.listen) {
      throw usage_error("--serve needs --listen [HOST:]PORT for clients to reach it");
    }
  } else {
    if (!s.client_master) {
      throw usage_error(mode_word + " needs --master HOST:PORT");
    }
    s.cfg.client.master = *s.client_master;
    if (s.mode == for_submit) {
      read_jobs(s, given, kinds);
    }
  }
  s.cfg.print_config_text = print_config(s, given);
  return s.cfg;
}

} // namespace cohort::app

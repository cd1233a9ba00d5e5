// The option schema: every option of the command line declared once, with its name (also its
// config-file key), modes, argument, help line and traits, and how its value is read into the
// library's settings and shown back. Parsing, config files, --help, --print-config and the
// reference all walk it.
#pragma once

#include "app/app_config.hpp"
#include "cohort/params.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::app {

enum mode_bits : unsigned {
  for_master = 1,
  for_worker = 2,
  for_submit = 4,
  for_wait = 8,
  for_jobs = 16,
  for_cancel = 32,
  for_status = 64,
  /// Master and worker.
  for_both = for_master | for_worker,
  /// The modes that talk to a serving master.
  for_clients = for_submit | for_wait | for_jobs | for_cancel | for_status,
  for_all = for_both | for_clients,
};

/// The modes in `modes`, by name: "master mode", "master and submit modes", ...
std::string mode_names(unsigned modes);

enum option_trait : unsigned {
  /// Given without a value on the command line; `true`/`false` in a config file.
  flag = 1,
  /// May be given several times; each value counts.
  repeated = 2,
  /// Only on the command line, never in a config file.
  command_line_only = 4,
  /// A test and benchmark aid, listed apart in --help.
  testing = 8,
};

/// One value of a setting and where it came from: "command line", "FILE:LINE", "default" or "env
/// NAME".
struct given_value {
  std::string text;
  std::string source;
};

/// What the options fill while a command line is read: the result, and the words that are put
/// together only once every option is read (a job from --job and --param, the TLS files, the
/// token file).
struct parse_state {
  app_config cfg;
  unsigned mode = for_master;
  std::string config_file;
  std::string job_kind;
  params job_params;
  std::string jobs_file;
  job_request job_defaults;
  std::string token_file;
  std::string client_token_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  bool insecure = false;
  /// Client modes: --master, required.
  std::optional<endpoint> client_master;
};

struct option {
  std::string_view name;
  /// The argument's placeholder in --help ("N", "DUR"); empty for a flag.
  std::string_view arg;
  unsigned modes;
  std::string_view help;
  unsigned traits = 0;
  /// Reads one given value into the state; throws usage_error naming the option and the value.
  std::function<void(parse_state&, const given_value&)> apply;
  /// The effective value as text, one row per value (--print-config, and the default in --help).
  std::function<std::vector<std::string>(const parse_state&)> show;
  /// The default as --help says it, where it depends on the machine ("cores"); empty: shown.
  std::string_view machine_default = {};
};

/// What `cohort master` runs when no job is given: primes below 10^10.
job_request default_job();

/// Every option, in --help order.
const std::vector<option>& option_schema();

/// The options under one heading of --help and the reference.
struct option_section {
  std::string_view title;
  std::vector<const option*> options;
};

/// Master, worker and client options, those of several modes, then the test aids, each in schema
/// order.
std::vector<option_section> option_sections();

/// The default of `o` as --help and the reference say it; empty for none (an off switch, an empty
/// text, a repeatable option).
std::string shown_default(const option& o);

/// The option called `name`, or nullptr.
const option* find_option(std::string_view name);

/// How errors name a setting: `--slots` on the command line, `FILE:LINE: slots` in a config file.
std::string label(std::string_view key, const given_value& v);

/// Throws usage_error "LABEL: bad value 'TEXT': REASON".
[[noreturn]] void bad(std::string_view key, const given_value& v, std::string_view reason);

} // namespace cohort::app

// Process tests of --kinds-from: a stock master and a stock remote worker run a kind from a plugin
// (examples/plugin_kind), a config file names the plugin beside it, `cohort kinds` lists its
// kinds, and each refusal (a worker without --allow-exec, a missing file, a file that is no
// library, a library that is no plugin, another cohort version, a kind name taken by a built-in or
// by another plugin) is one line on stderr and exit 2.
#include "tests/process/cluster.hpp"
#include "tests/process/http_server.hpp"
#include "tests/tools/pg_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string plugin = COHORT_EXAMPLE_PLUGIN;

/// A cohort run that is refused before anything starts: exit 2 and exactly one line on stderr.
std::string refusal(std::vector<std::string> args) {
  const auto r = run_cohort(std::move(args), 30s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  return r.err;
}

TEST_CASE("plugins: a stock master and a stock remote worker, both with --kinds-from, run a job "
          "of the plugin's kind",
          "[plugins]") {
  auto master = start_master({"--kinds-from", plugin, "--min-workers", "1", "--job", "collatz",
                              "--param", "below=1000000"});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--allow-exec", "--kinds-from", plugin, "--exit-with-master"});
  const auto line = finished_ok(master);
  CHECK(line["job"] == "collatz");
  CHECK(line["result"] == json{{"start", 837799}, {"steps", 524}});
  CHECK(line["stats"]["tasks"] == 20);
  CHECK(tasks_of(line, worker.pid()) == 20);
  const auto w = ended(worker, exit_timeout);
  INFO(worker.report());
  CHECK(w.exit_code == 0);
}

TEST_CASE("plugins: the plugin's pages kind awaits HTTP calls on an --allow-net worker, a 5xx "
          "retried elsewhere",
          "[plugins]") {
  const http_server server;
  // Each page answers "ok" (2 bytes) after 200 ms.
  auto master =
      start_master({"--kinds-from", plugin, "--min-workers", "1", "--job", "pages", "--param",
                    "url=" + server.url("/delay/200?page={}"), "--param", "pages=100"});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--allow-net", "--allow-exec", "--concurrency", "100",
                                    "--kinds-from", plugin, "--exit-with-master"});
  const auto line = finished_ok(master);
  CHECK(line["result"] == json{{"pages", 100}, {"ok", 100}, {"bytes", 200}});
  CHECK(tasks_of(line, worker.pid()) == 100);
  // 100 pages of 200 ms in flight at once: well under the 20 s one at a time takes.
  CHECK(line["stats"]["wall_s"].get<double>() - line["stats"]["wait_s"].get<double>() < 5.0);
  CHECK(ended(worker, exit_timeout).exit_code == 0);

  // The page answers 503 once, then 200 with "flaky" (5 bytes).
  auto retried =
      start_master({"--kinds-from", plugin, "--min-workers", "1", "--job", "pages", "--param",
                    "url=" + server.url("/flaky/pages{}/1"), "--param", "pages=1"});
  auto worker2 =
      start_worker(listening_port(retried, start_timeout),
                   {"--allow-net", "--allow-exec", "--kinds-from", plugin, "--exit-with-master"});
  const auto again = finished_ok(retried);
  CHECK(again["result"] == json{{"pages", 1}, {"ok", 1}, {"bytes", 5}});
  CHECK(again["stats"]["retries"] == 1);
  CHECK(ended(worker2, exit_timeout).exit_code == 0);
}

TEST_CASE("plugins: the plugin's linked kind awaits a query, then the HTTP calls its rows name, "
          "on a worker granting sql and net - one granting net alone gets none",
          "[plugins]") {
  const http_server server;
  const pg_server pg;
  // Keys 0..29 name a page each, key 7 two; each page answers "ok" (2 bytes) after 50 ms.
  pg.psql("create table links (id int, url text); insert into links select g, '" +
          server.url("/delay/50") +
          "?k=' || g from generate_series(0, 29) g; insert into links "
          "values (7, '" +
          server.url("/delay/50") + "?again')");
  auto master = start_master({"--kinds-from", plugin, "--min-workers", "2", "--job", "linked",
                              "--param", "dsn=" + pg.conninfo(), "--param",
                              "query=select url from links where id = $1", "--param", "keys=30"});
  const auto port = listening_port(master, start_timeout);
  auto net_only = start_worker(
      port, {"--allow-net", "--allow-exec", "--kinds-from", plugin, "--exit-with-master"});
  auto both = start_worker(port, {"--allow-net", "--allow-sql", "--allow-exec", "--kinds-from",
                                  plugin, "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"] == json{{"keys", 30}, {"pages", 31}, {"ok", 31}, {"bytes", 62}});
  CHECK(tasks_of(line, both.pid()) == 30);
  CHECK(workers_of(line, net_only.pid()).empty());
  CHECK(server.stats()["requests"] == 32); // the 31 pages and this one

  const auto listed = run_cohort({"kinds", "linked", "--kinds-from", plugin}, 30s);
  CHECK_THAT(listed.out, Catch::Contains("needs --allow-sql --allow-net"));
}

TEST_CASE("plugins: kinds-from in a config file is found beside the file", "[plugins]") {
  const temp_dir dir;
  std::filesystem::copy_file(plugin, dir.path() / "kinds.so");
  const auto config = dir.write("master.ini", "kinds-from = kinds.so\nlocal-workers = 1\n");
  const auto r = run_cohort(
      {"master", "--config", config.string(), "--job", "collatz", "--param", "below=100000"},
      job_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["result"] == json{{"start", 77031}, {"steps", 350}});
}

TEST_CASE("plugins: cohort kinds --kinds-from lists the plugin's kinds with the built-ins",
          "[plugins]") {
  const auto all = run_cohort({"kinds", "--kinds-from", plugin}, 30s);
  INFO("stderr: " << all.err);
  REQUIRE(all.exit_code == 0);
  CHECK(all.out.find("collatz") != std::string::npos);
  CHECK(all.out.find("primes") != std::string::npos);
  const auto one = run_cohort({"kinds", "collatz", "--kinds-from", plugin}, 30s);
  REQUIRE(one.exit_code == 0);
  CHECK(one.out.find("the start below `below` with the longest Collatz sequence") !=
        std::string::npos);
  CHECK(one.out.find("below") != std::string::npos);
}

TEST_CASE("plugins: --kinds-from refusals are one line and exit 2", "[plugins]") {
  const temp_dir dir;
  CHECK(refusal({"worker", "--master", "127.0.0.1:9", "--kinds-from", plugin}) ==
        "cohort: --kinds-from needs --allow-exec: loading a library runs its code\n");

  const auto missing = (dir.path() / "missing.so").string();
  CHECK(refusal({"master", "--kinds-from", missing}) ==
        "cohort: --kinds-from: " + missing +
            ": cannot open shared object file: No such file or directory\n");

  const auto text = dir.write("text.so", std::string(200, 'x')).string();
  CHECK(refusal({"worker", "--allow-exec", "--master", "127.0.0.1:9", "--kinds-from", text}) ==
        "cohort: --kinds-from: " + text + ": invalid ELF header\n");

  const std::string no_entry = COHORT_NO_ENTRY_PLUGIN;
  CHECK(refusal({"master", "--kinds-from", no_entry}) ==
        "cohort: --kinds-from: " + no_entry +
            ": not a cohort plugin (it exports no cohort_plugin_version; see COHORT_KINDS in "
            "cohort/plugin.hpp)\n");

  const auto version = run_cohort({"--version"}, 30s).out;
  REQUIRE(version.rfind("cohort ", 0) == 0);
  const std::string other = COHORT_OTHER_VERSION_PLUGIN;
  CHECK(refusal({"master", "--kinds-from", other}) ==
        "cohort: --kinds-from: " + other + ": built against cohort 0.0.1, this is cohort " +
            version.substr(7, version.size() - 8) + "; build it again against this version\n");

  const std::string takes_primes = COHORT_TAKES_PRIMES_PLUGIN;
  CHECK(refusal({"master", "--kinds-from", takes_primes}) ==
        "cohort: --kinds-from: " + takes_primes +
            ": job kind 'primes' is taken by a built-in kind\n");
  CHECK(refusal({"master", "--kinds-from", plugin, "--kinds-from", plugin}) ==
        "cohort: --kinds-from: " + plugin + ": job kind 'collatz' is taken by " + plugin + "\n");
}

} // namespace

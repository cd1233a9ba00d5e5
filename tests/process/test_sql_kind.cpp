// Process tests of the sql kind and ctx.sql against a throwaway PostgreSQL 15 (tests/tools/
// pg_server): exact sums and counts equal to psql's over 10^7 rows, shards, a query error, a worker
// killed mid-job and a cancelled job leaving nothing running on the server. Skipped (77) where
// PostgreSQL is not installed.
#include "tests/process/cluster.hpp"
#include "tests/tools/pg_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

// A table t(id, amount) of `rows` rows with ids 0..rows-1 and amounts with three decimals.
void make_table(const pg_server& pg, std::uint64_t rows, const std::string& name = "t",
                const std::string& where = "true") {
  pg.psql("create table " + name + " (id bigint primary key, amount numeric(14,3)); insert into " +
          name + " select g, (g % 100000) * 1.001 + 0.007 from generate_series(0, " +
          std::to_string(rows - 1) + ") g where " + where);
  pg.psql("vacuum analyze " + name);
}

std::string other_database(const pg_server& pg, const std::string& name) {
  pg.psql("create database " + name);
  auto conninfo = pg.conninfo();
  conninfo.replace(conninfo.find("dbname=cohort"), 13, "dbname=" + name);
  return conninfo;
}

int running(const pg_server& pg, const std::string& marker) {
  return std::stoi(pg.psql("select count(*) from pg_stat_activity where pid <> pg_backend_pid() "
                           "and query like '%" +
                           marker + "%'"));
}

std::vector<std::string> sql_job(const std::string& dsn, const std::string& query, std::uint64_t to,
                                 const std::string& reduce) {
  return {"--job",   "sql",
          "--param", "dsn=" + dsn,
          "--param", "query=" + query,
          "--param", "to=" + std::to_string(to),
          "--param", "reduce=" + reduce};
}

} // namespace

TEST_CASE("sql: a sum and a count over 10^7 rows in 64 key ranges on 2 worker processes equal "
          "psql's to the last digit, pushed down and streamed",
          "[sql]") {
  const pg_server pg;
  make_table(pg, 10'000'000);
  const auto expected = pg.psql("select sum(amount) || ' ' || count(*) from t");
  const auto streamed_expected =
      pg.psql("select sum(amount) || ' ' || count(*) from t where id < 1000000");

  auto master = start_master(
      cat(sql_job(pg.conninfo(),
                  "select sum(amount) as amount, count(*) as n from t where id >= $1 and id < $2",
                  10'000'000, "sum:amount,sum:n"),
          {"--min-workers", "2"}));
  const auto port = listening_port(master, start_timeout);
  auto a = start_worker(port, {"--allow-sql", "--exit-with-master"});
  auto b = start_worker(port, {"--allow-sql", "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["stats"]["tasks"] == 64);
  CHECK(line["result"]["values"]["sum:amount"].get<std::string>() + " " +
            line["result"]["values"]["sum:n"].get<std::string>() ==
        expected);
  CHECK(tasks_of(line, a.pid()) > 0);
  CHECK(tasks_of(line, b.pid()) > 0);

  // Every row travels to a worker, which sums exactly.
  const auto streamed =
      run_cohort(cat({"master", "--allow-sql", "--local-workers", "2"},
                     cat(sql_job(pg.conninfo(), "select amount from t where id >= $1 and id < $2",
                                 1'000'000, "sum:amount,count:amount,max:amount"),
                         {"--param", "tasks=64"})),
                 job_timeout);
  INFO(streamed.out << streamed.err);
  REQUIRE(streamed.exit_code == 0);
  const auto s = json::parse(streamed.out)["result"]["values"];
  CHECK(s["sum:amount"].get<std::string>() + " " + std::to_string(s["count:amount"].get<int>()) ==
        streamed_expected);
  CHECK(s["max:amount"] == pg.psql("select max(amount) from t where id < 1000000"));
}

TEST_CASE("sql: two databases as two shards give what their union gives - rows come in key "
          "order",
          "[sql]") {
  const pg_server pg;
  make_table(pg, 100'000, "t_all");
  make_table(pg, 100'000, "t", "g % 2 = 0");
  const auto odd = other_database(pg, "cohort_odd");
  const auto made = run_process(
      {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", odd, "-c",
       "create table t (id bigint primary key, amount numeric(14,3)); insert into t select g, "
       "(g % 100000) * 1.001 + 0.007 from generate_series(0, 99999) g where g % 2 = 1"},
      job_timeout);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const auto dsn = pg.conninfo() + "|" + odd;
  const auto r = run_cohort(cat({"master", "--allow-sql", "--local-workers", "2"},
                                sql_job(dsn, "select amount, id from t where id >= $1 and id < $2",
                                        100'000, "sum:amount,count:id,min:id,max:id")),
                            job_timeout);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto result = json::parse(r.out)["result"]["values"];
  CHECK(result["sum:amount"] == pg.psql("select sum(amount) from t_all"));
  CHECK(result["count:id"] == 100'000);
  CHECK(result["min:id"] == "0");
  CHECK(result["max:id"] == "99999");
  CHECK(json::parse(r.out)["stats"]["tasks"] == 128);

  const auto rows = run_cohort(
      cat(cat({"master", "--allow-sql", "--local-workers", "2"},
              sql_job(dsn, "select id, amount from t where id >= $1 and id < $2", 6, "rows")),
          {"--param", "tasks=3"}),
      job_timeout);
  INFO(rows.out << rows.err);
  REQUIRE(rows.exit_code == 0);
  const auto got = json::parse(rows.out)["result"];
  CHECK(got["columns"] == json::array({"id", "amount"}));
  CHECK(got["rows"] == json::parse(R"([["0","0.007"],["1","1.008"],["2","2.009"],["3","3.010"],
                                       ["4","4.011"],["5","5.012"]])"));
}

TEST_CASE("sql: a query error fails the job naming the task and the server's message - workers "
          "without --allow-sql get no query - passwords are refused before anything runs",
          "[sql]") {
  const pg_server pg;
  make_table(pg, 1000);
  const auto bad =
      run_cohort(cat({"master", "--allow-sql", "--local-workers", "1", "--max-attempts", "1"},
                     sql_job(pg.conninfo(), "select sum(nope) from t where id >= $1 and id < $2",
                             1000, "sum:sum")),
                 job_timeout);
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 1);
  const auto failed = json::parse(bad.out);
  CHECK(failed["reason"] == "task");
  CHECK_THAT(failed["error"].get<std::string>(),
             Catch::Contains("(index=") && Catch::Contains("keys [") &&
                 Catch::Contains("ERROR: column \"nope\" does not exist"));

  const auto none = run_cohort(
      cat({"master", "--local-workers", "1", "--wait-for-workers", "1s"},
          sql_job(pg.conninfo(), "select count(*) as n from t where id >= $1 and id < $2", 1000,
                  "sum:n")),
      job_timeout);
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.out, Catch::Contains("no worker allows sql (start workers with --allow-sql)"));

  const auto secret = run_cohort(
      cat({"master", "--allow-sql", "--local-workers", "1"},
          sql_job(pg.conninfo() + " password=hunter2",
                  "select count(*) as n from t where id >= $1 and id < $2", 1000, "sum:n")),
      job_timeout);
  CHECK(secret.exit_code != 0);
  CHECK_THAT(secret.err, Catch::Contains("must not hold a password"));
  CHECK_THAT(secret.out + secret.err, !Catch::Contains("hunter2"));
}

TEST_CASE("sql: a worker killed -9 mid-job - its ranges run again elsewhere and the sum stays "
          "exact",
          "[sql]") {
  const pg_server pg;
  make_table(pg, 1'000'000);
  const auto expected = pg.psql("select sum(amount) || ' ' || count(*) from t");
  auto master = start_master(cat(
      sql_job(pg.conninfo(),
              "select sum(amount) as amount, count(*) as n from t, pg_sleep(0.5) where id >= $1 "
              "and id < $2",
              1'000'000, "sum:amount,sum:n"),
      {"--min-workers", "2", "--progress"}));
  const auto port = listening_port(master, start_timeout);
  auto doomed = start_worker(port, {"--allow-sql", "--concurrency", "4", "--exit-with-master"});
  auto survivor = start_worker(port, {"--allow-sql", "--concurrency", "4", "--exit-with-master"});
  wait_for_progress(master, 10);
  doomed.signal(SIGKILL);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["values"]["sum:amount"].get<std::string>() + " " +
            line["result"]["values"]["sum:n"].get<std::string>() ==
        expected);
  CHECK(line["stats"]["tasks"] == 64);
  CHECK(line["stats"]["reassigned"].get<int>() > 0);
  check_attempts_invariant(line);
}

TEST_CASE("sql: a cancelled job leaves no query running on the server while the worker lives on",
          "[sql]") {
  const pg_server pg;
  make_table(pg, 1000);
  temp_dir dir;
  auto master = start_master({"--serve", "--data-dir", dir.path().string()});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--allow-sql", "--exit-with-master"});
  const auto submitted = run_cohort(
      cat({"submit", "--master", loopback(port), "--detach"},
          cat(sql_job(pg.conninfo(),
                      "select count(*) as n from t, pg_sleep(60) as cancel_me where id >= $1 and "
                      "id < $2",
                      1000, "sum:n"),
              {"--param", "tasks=8"})),
      job_timeout);
  INFO(submitted.out << submitted.err);
  REQUIRE(submitted.exit_code == 0);
  const auto id = std::to_string(json::parse(submitted.out)["id"].get<int>());
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (running(pg, "cancel_me") < 8) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);
  }
  const auto cancelled = run_cohort({"cancel", "--master", loopback(port), id}, job_timeout);
  CHECK(cancelled.exit_code == 0);
  while (running(pg, "cancel_me") > 0) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);
  }
  CHECK(worker.running());
  master.signal(SIGTERM);
  CHECK(ended(master, exit_timeout).exit_code == 0);
}

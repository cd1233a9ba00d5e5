// Unit tests of the SQL engine against a throwaway PostgreSQL 15 (tests/tools/pg_server): rows and
// NULLs, server errors, the pool's bound, name lookup, refused connection strings, and cancel and
// timeout stopping the server's query. Skipped (77) where PostgreSQL is not installed.
#include "cohort/sql.hpp"
#include "io/sql_engine.hpp"
#include "tests/tools/pg_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <set>
#include <thread>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

sql_result query(const std::string& connection, const std::string& text,
                 std::vector<sql_value> params = {}, std::chrono::nanoseconds timeout = 20s) {
  std::promise<sql_result> answer;
  auto got = answer.get_future();
  auto call = start_sql(connection, text, std::move(params), timeout,
                        [&answer](sql_result r) { answer.set_value(std::move(r)); });
  REQUIRE(got.wait_for(30s) == std::future_status::ready);
  return got.get();
}

// Queries the server runs for others than psql itself, whose text holds `marker`.
int running(const test::pg_server& pg, const std::string& marker) {
  return std::stoi(pg.psql("select count(*) from pg_stat_activity where pid <> pg_backend_pid() "
                           "and query like '%" +
                           marker + "%'"));
}

bool gone_within(const test::pg_server& pg, const std::string& marker, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (running(pg, marker) == 0) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

} // namespace

TEST_CASE("sql engine: rows with their columns, NULLs and bound parameters", "[sql-engine]") {
  test::pg_server pg;
  auto r = query(pg.conninfo(),
                 "select g + $1::int as n, case when g = 2 then null else 'v' || g end as t, "
                 "$2::numeric * g as d from generate_series(1, 3) g",
                 {"10", "1.50"});
  REQUIRE(r.ok());
  CHECK(r.columns == std::vector<std::string>{"n", "t", "d"});
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0] == std::vector<sql_value>{"11", "v1", "1.50"});
  CHECK(r.rows[1] == std::vector<sql_value>{"12", std::nullopt, "3.00"});
  CHECK(r.rows[2][2] == "4.50");
  CHECK(r.latency_s > 0);

  auto none = query(pg.conninfo(), "select 1 as x where false");
  REQUIRE(none.ok());
  CHECK(none.columns == std::vector<std::string>{"x"});
  CHECK(none.rows.empty());
  sql_engine::stop();
}

TEST_CASE("sql engine: a server error is the call's error and the connection serves again",
          "[sql-engine]") {
  test::pg_server pg;
  auto bad = query(pg.conninfo(), "select * from no_such_table");
  CHECK_FALSE(bad.ok());
  CHECK(bad.error == "ERROR: relation \"no_such_table\" does not exist");
  auto good = query(pg.conninfo(), "select 42");
  REQUIRE(good.ok());
  CHECK(good.rows.at(0).at(0) == "42");

  auto refused = query("host=127.0.0.1 port=1 dbname=x user=x", "select 1");
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.error, Catch::Contains("Connection refused"));
  sql_engine::stop();
}

TEST_CASE("sql engine: an idle pooled connection the server ends is dropped, and the next query "
          "runs on a fresh one",
          "[sql-engine]") {
  test::pg_server pg;
  const auto first = query(pg.conninfo(), "select pg_backend_pid()");
  REQUIRE(first.ok());
  const auto pid = *first.rows.at(0).at(0);
  CHECK(pg.psql("select pg_terminate_backend(" + pid + ")") == "t");
  std::this_thread::sleep_for(300ms);
  const auto second = query(pg.conninfo(), "select pg_backend_pid()");
  INFO(second.error);
  REQUIRE(second.ok());
  CHECK(*second.rows.at(0).at(0) != pid);
  sql_engine::stop();
}

TEST_CASE("sql engine: at most the limit of connections per connection string", "[sql-engine]") {
  test::pg_server pg;
  sql_engine::stop();
  sql_engine::set_limit(2);
  std::vector<std::future<sql_result>> answers;
  std::vector<std::shared_ptr<std::promise<sql_result>>> promises;
  std::vector<std::shared_ptr<sql_call>> calls;
  for (int i = 0; i < 6; ++i) {
    auto p = std::make_shared<std::promise<sql_result>>();
    answers.push_back(p->get_future());
    calls.push_back(start_sql(pg.conninfo(), "select pg_backend_pid(), pg_sleep(0.2)", {}, 20s,
                              [p](sql_result r) { p->set_value(std::move(r)); }));
  }
  std::set<std::string> backends;
  for (auto& a : answers) {
    REQUIRE(a.wait_for(30s) == std::future_status::ready);
    auto r = a.get();
    REQUIRE(r.ok());
    backends.insert(*r.rows.at(0).at(0));
  }
  CHECK(backends.size() == 2);
  sql_engine::stop();
  sql_engine::set_limit(sql_engine::default_limit);
}

TEST_CASE("sql engine: a host name is looked up off libpq and reaches the server", "[sql-engine]") {
  test::pg_server pg;
  // The server listens on 127.0.0.1 only; "localhost" may also give ::1, which libpq then skips.
  auto conninfo = pg.conninfo();
  conninfo.replace(conninfo.find("127.0.0.1"), 9, "localhost");
  auto r = query(conninfo, "select inet_server_addr()");
  REQUIRE(r.ok());
  CHECK(r.rows.at(0).at(0) == "127.0.0.1");
  auto unknown = query("host=no-such-host.invalid dbname=x", "select 1");
  CHECK_FALSE(unknown.ok());
  CHECK_THAT(unknown.error, Catch::Contains("could not look up host 'no-such-host.invalid'"));
  sql_engine::stop();
}

TEST_CASE("sql engine: connection strings with a password or several hosts are refused",
          "[sql-engine]") {
  CHECK_THROWS_WITH(check_sql_connection("host=127.0.0.1 password=secret"),
                    Catch::Contains("must not hold a password"));
  CHECK_THROWS_WITH(check_sql_connection("postgresql://u:secret@127.0.0.1/db"),
                    Catch::Contains("must not hold a password"));
  CHECK_THROWS_WITH(check_sql_connection("host=a,b dbname=x"), Catch::Contains("one host"));
  CHECK_THROWS_WITH(check_sql_connection("host=127.0.0.1 nonsense"),
                    Catch::StartsWith("not a PostgreSQL connection string"));
  CHECK_NOTHROW(check_sql_connection("host=127.0.0.1 port=5432 dbname=x user=y"));
}

TEST_CASE("sql engine: a cancelled or timed-out query stops on the server too", "[sql-engine]") {
  test::pg_server pg;
  std::atomic<bool> answered{false};
  auto call = start_sql(pg.conninfo(), "select pg_sleep(30) as cancel_me", {}, 60s,
                        [&answered](sql_result) { answered = true; });
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (running(pg, "cancel_me") == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  REQUIRE(running(pg, "cancel_me") == 1);
  call->cancel();
  CHECK(gone_within(pg, "cancel_me", 5s));
  CHECK_FALSE(answered);

  auto slow = query(pg.conninfo(), "select pg_sleep(30) as time_me_out", {}, 500ms);
  CHECK(slow.error == "timed out after 0.5s");
  CHECK(gone_within(pg, "time_me_out", 5s));
  sql_engine::stop();
}

// Unit tests of cohort::task<T> without actors: laziness, nesting, exceptions, destruction of
// frames.
#include "cohort/task.hpp"

#include <catch2/catch.hpp>

#include <coroutine>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// A hand-driven suspension point: the test decides when a parked coroutine resumes.
struct gate {
  std::coroutine_handle<> waiting;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiting = h; }
  void await_resume() const noexcept {}
  void open() { std::exchange(waiting, {}).resume(); }
};

struct counted {
  int* alive;
  explicit counted(int* a) : alive(a) { ++*alive; }
  ~counted() { --*alive; }
};

cohort::task<int> leaf(gate& g, std::vector<std::string>& log, int value) {
  log.push_back("leaf start");
  co_await g;
  log.push_back("leaf resumed");
  co_return value;
}

cohort::task<int> middle(gate& g, std::vector<std::string>& log) {
  int a = co_await leaf(g, log, 20);
  log.push_back("middle got leaf");
  int b = co_await leaf(g, log, 22);
  co_return a + b;
}

cohort::task<int> thrower(gate& g) {
  co_await g;
  throw std::runtime_error("bad task");
}

cohort::task<int> catcher(gate& g) {
  try {
    int v = co_await thrower(g);
    co_return v;
  } catch (const std::runtime_error& e) {
    co_return static_cast<int>(std::string(e.what()).size());
  }
}

cohort::task<void> holder(gate& g, int* alive) {
  counted c(alive);
  co_await g;
}

cohort::task<int> immediate(int v) {
  co_return v * 2;
}

} // namespace

TEST_CASE("a task is lazy and completes without suspending when it never awaits", "[task]") {
  auto t = immediate(21);
  REQUIRE_FALSE(t.done());
  t.start();
  REQUIRE(t.done());
  REQUIRE(t.result() == 42);
}

TEST_CASE("nested awaits resume in order and return values up the chain", "[task]") {
  gate g;
  std::vector<std::string> log;
  auto t = middle(g, log);
  t.start();
  REQUIRE(log == std::vector<std::string>{"leaf start"});
  g.open();
  REQUIRE(log.back() == "leaf start");
  REQUIRE(log.size() == 4);
  REQUIRE(log[1] == "leaf resumed");
  REQUIRE(log[2] == "middle got leaf");
  REQUIRE_FALSE(t.done());
  g.open();
  REQUIRE(t.done());
  REQUIRE(t.result() == 42);
}

TEST_CASE("an exception propagates to the awaiting task and to the owner", "[task]") {
  gate g;
  auto caught = catcher(g);
  caught.start();
  g.open();
  REQUIRE(caught.done());
  REQUIRE(caught.result() == 8);

  gate g2;
  auto t = thrower(g2);
  t.start();
  g2.open();
  REQUIRE(t.done());
  REQUIRE_THROWS_WITH(t.result(), "bad task");
}

TEST_CASE("destroying a suspended task frees every frame it holds", "[task]") {
  int alive = 0;
  gate g;
  {
    auto t = holder(g, &alive);
    t.start();
    REQUIRE(alive == 1);
  }
  REQUIRE(alive == 0);
}

TEST_CASE("a moved task keeps its frame", "[task]") {
  gate g;
  std::vector<std::string> log;
  auto a = leaf(g, log, 5);
  a.start();
  cohort::task<int> b = std::move(a);
  REQUIRE_FALSE(a.valid());
  g.open();
  REQUIRE(b.done());
  REQUIRE(b.result() == 5);
}

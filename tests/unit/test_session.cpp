// The handshake that opens a session and the envelopes sealed under it: only a peer that proves the
// token gets a key; both sides derive the same key; an envelope opens once, only in its session,
// only unaltered.
#include "core/session.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace cohort;

namespace {

struct joined {
  key128 opener;
  key128 answerer;
  std::uint64_t session;
};

joined join(const std::optional<std::string>& opener_token,
            const std::optional<std::string>& answerer_token) {
  handshake_answerer<int> master(answerer_token);
  handshake_opener worker(opener_token);
  auto answer = master.answer(worker.nonce(), 7);
  auto done = worker.complete(answer);
  REQUIRE_FALSE(done.distrust.has_value());
  auto [key, payload] = master.finish(answer.session, done.proof);
  CHECK(payload == 7);
  return {done.key, key, answer.session};
}

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const handshake_refused& e) {
    return e.what();
  }
  return "accepted";
}

} // namespace

TEST_CASE("session: both sides of a handshake derive the same key, with or without a token",
          "[session]") {
  auto with = join("s3cret", "s3cret");
  CHECK(with.opener == with.answerer);
  auto without = join(std::nullopt, std::nullopt);
  CHECK(without.opener == without.answerer);
  CHECK(join("s3cret", "s3cret").opener != with.opener);
}

TEST_CASE("session: a wrong or missing token is refused on both sides", "[session]") {
  handshake_answerer<int> master(std::string("right"));
  handshake_opener wrong(std::string("wrong"));
  auto a = master.answer(wrong.nonce(), 0);
  auto done = wrong.complete(a);
  CHECK(done.distrust == "wrong token");
  CHECK(refusal([&] { master.finish(a.session, done.proof); }) == "wrong token");
  // The pending session is spent by a refused proof: the right one cannot follow it.
  CHECK(refusal([&] { master.finish(a.session, done.proof); }) ==
        "no handshake is pending under that number");

  handshake_opener none(std::nullopt);
  auto b = master.answer(none.nonce(), 0);
  CHECK(refusal([&] { master.finish(b.session, none.complete(b).proof); }) ==
        "no token: this node requires one (--token-file or COHORT_TOKEN)");

  handshake_answerer<int> open(std::nullopt);
  handshake_opener holder(std::string("right"));
  auto c = open.answer(holder.nonce(), 0);
  CHECK(holder.complete(c).distrust.has_value());
  CHECK(refusal([&] { master.answer("short", 0); }) == "a handshake nonce must be 16 bytes");
}

TEST_CASE("session: a proof is bound to its session and nonces", "[session]") {
  handshake_answerer<int> master(std::string("t"));
  handshake_opener w1(std::string("t"));
  handshake_opener w2(std::string("t"));
  auto a1 = master.answer(w1.nonce(), 0);
  auto a2 = master.answer(w2.nonce(), 0);
  auto p1 = w1.complete(a1).proof;
  CHECK(refusal([&] { master.finish(a2.session, p1); }) == "wrong token");
  CHECK(refusal([&] { master.finish(a1.session, p1); }) == "accepted");
}

TEST_CASE("session: envelopes open once, in their session, unaltered", "[session]") {
  auto keys = join("t", "t");
  session master(keys.session, keys.answerer, direction::to_worker, direction::to_master);
  session worker(keys.session, keys.opener, direction::to_master, direction::to_worker);
  auto e = master.seal("run batch 1");
  CHECK(worker.open(e));
  CHECK_FALSE(worker.open(e)); // replayed
  auto f = master.seal("run batch 2");
  auto altered = f;
  altered.body = "run batch 3";
  CHECK_FALSE(worker.open(altered));
  CHECK(worker.open(f)); // the forgery did not use up its number
  auto back = worker.seal("answers");
  CHECK(master.open(back));
  // A worker's own envelope is not taken back by itself: the directions differ.
  CHECK_FALSE(worker.open(worker.seal("echo")));
  auto other = master.seal("x");
  other.session += 1;
  CHECK_FALSE(worker.open(other));
}

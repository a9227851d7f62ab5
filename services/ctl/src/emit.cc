#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "commands.h"
#include "private_file.h"
#include "sightline/clock/clock.h"
#include "sightline/domain/events/codec.h"
#include "sightline/domain/events/validation.h"
#include "sightline/http/client.h"

namespace sightline::ctl {

namespace {

// Sends one NDJSON batch, resending on 503 with a growing pause. Returns the exit code.
int SendBatch(const EmitOptions& o, const std::string& body, std::size_t first_line,
              std::size_t& accepted) {
  std::chrono::milliseconds pause(500);
  for (int attempt = 0;; ++attempt) {
    auto r = http::Send(o.gateway, {.method = "POST",
                                    .path = "/v1/events",
                                    .body = body,
                                    .content_type = "application/x-ndjson",
                                    .headers = {{"Authorization", "Bearer " + o.token}},
                                    .timeout = std::chrono::seconds(60)});
    if (r.ok() && r.value().status == 202) {
      auto j = nlohmann::json::parse(r.value().body, nullptr, false);
      accepted += j.is_object() ? j.value("accepted", 0u) : 0u;
      return 0;
    }
    bool retryable = !r.ok() || r.value().status == 503;
    std::string why = r.ok() ? "HTTP " + std::to_string(r.value().status) + ": " + r.value().body
                             : r.status().message();
    if (!retryable) {
      std::cerr << "emit: batch starting at line " << first_line << " refused: " << why << "\n";
      return 1;
    }
    if (attempt >= o.retries) {
      std::cerr << "emit: gateway unavailable after " << attempt + 1 << " attempts: " << why
                << "\n";
      return 2;
    }
    std::cerr << "emit: gateway unavailable (" << why.substr(0, 120) << "), retrying\n";
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace

int Emit(EmitOptions o) {
  auto token = ReadTokenFile(o.token_file, "--token-file");
  if (!token.ok()) {
    std::cerr << "emit: " << token.status().message() << "\n";
    return 1;
  }
  o.token = std::move(token).value();
  std::ifstream in(o.file);
  if (!in) {
    std::cerr << "emit: cannot read --file " << o.file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  std::vector<domain::NdjsonLine> lines = domain::SplitNdjson(body);

  // The same validation as the gateway, first, so a bad file is reported whole and nothing of it
  // is sent. "now" is this machine's clock, as it would be the gateway's.
  SystemClock clock;
  int invalid = 0;
  const auto senders = static_cast<std::size_t>(std::max(1, o.in_flight));
  std::vector<std::vector<const domain::NdjsonLine*>> dealt(senders);
  for (const domain::NdjsonLine& line : lines) {
    auto event = domain::AcceptEventJson(line.text, clock.Now(), domain::ValidationLimits{});
    if (event.ok()) {
      dealt[std::hash<std::string>{}(event.value().child_id()) % senders].push_back(&line);
      continue;
    }
    for (const FieldError& e : event.errors()) {
      if (++invalid <= 20)
        std::cerr << o.file << ":" << line.number << ": " << e.ToString() << "\n";
    }
  }
  if (invalid > 0) {
    std::cerr << "emit: " << invalid << " problem(s); nothing sent\n";
    return 1;
  }

  // Each sender sends its own lines in file order, `batch` at a time; the first failure stops
  // the others before their next request.
  // With --rate, each sender keeps its share of the rate: its n-th batch waits until the moment
  // its events so far are due (no burst to catch up after a slow answer beyond that schedule).
  std::atomic<std::size_t> accepted_total{0};
  std::atomic<int> failed{0};
  const auto started = std::chrono::steady_clock::now();
  auto send = [&](const std::vector<const domain::NdjsonLine*>& mine) {
    for (std::size_t i = 0; i < mine.size() && failed == 0;
         i += static_cast<std::size_t>(o.batch)) {
      if (o.rate > 0) {
        const double per_sender = static_cast<double>(o.rate) / static_cast<double>(senders);
        std::this_thread::sleep_until(
            started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(static_cast<double>(i) / per_sender)));
      }
      std::string batch;
      for (std::size_t j = i; j < std::min(mine.size(), i + static_cast<std::size_t>(o.batch));
           ++j) {
        batch.append(mine[j]->text).push_back('\n');
      }
      std::size_t accepted = 0;
      int rc = SendBatch(o, batch, static_cast<std::size_t>(mine[i]->number), accepted);
      accepted_total += accepted;
      if (rc != 0) {
        int none = 0;
        failed.compare_exchange_strong(none, rc);
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t s = 1; s < senders; ++s) threads.emplace_back(send, std::cref(dealt[s]));
  send(dealt[0]);
  for (std::thread& t : threads) t.join();
  std::size_t accepted = accepted_total;
  // From the first request to the last acknowledgement: the gateway's share, without this
  // tool's own reading and checking of the file.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (failed != 0) {
    std::cerr << "emit: " << accepted << " of " << lines.size() << " events acknowledged\n";
    return failed;
  }
  std::cout << "emit: " << accepted << " of " << lines.size()
            << " events acknowledged by Kafka through " << o.gateway << " in "
            << std::to_string(seconds) << " s of sending ("
            << static_cast<long>(static_cast<double>(accepted) / std::max(seconds, 1e-9))
            << " events/s)\n";
  return accepted == lines.size() ? 0 : 1;
}

}  // namespace sightline::ctl

#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.h"
#include "sightline/domain/events/codec.h"
#include "sightline/kafka/partitioner.h"
#include "sightline/kafka/reader.h"

namespace sightline::ctl {

namespace {

namespace v1 = events::v1;

void PrintCounts(const std::string& title, const std::map<std::string, int>& counts) {
  std::cout << "\n" << title << "\n";
  for (const auto& [name, n] : counts) {
    std::cout << "  " << std::left << std::setw(34) << name << std::right << std::setw(7) << n
              << "\n";
  }
}

}  // namespace

int Summary(const KafkaOptions& kafka, const SummaryOptions& o) {
  int partitions = 0;
  auto records = kafka::ReadTopic(kafka.brokers, kafka.properties, o.topic,
                                  std::chrono::seconds(60), &partitions);
  if (!records.ok()) {
    std::cerr << "summary: " << records.status().message() << "\n";
    return 2;
  }
  std::map<std::string, int> by_type, by_source, by_rag, by_partition;
  std::set<std::string> ids, children, households;
  int undecodable = 0, duplicates = 0, key_mismatch = 0, wrong_partition = 0;
  std::vector<std::string> samples;
  for (const kafka::Record& r : records.value()) {
    v1::Envelope e;
    if (!e.ParseFromString(r.value)) {
      ++undecodable;
      continue;
    }
    by_partition["partition " + std::to_string(r.partition)]++;
    by_type[std::string(domain::EventTypeName(e).value_or("(no payload)"))]++;
    if (e.has_contact_received()) {
      by_source[v1::Agency_Name(e.contact_received().source()).substr(7)]++;
    }
    if (e.has_rag_rated()) by_rag[v1::RagRating_Name(e.rag_rated().rating()).substr(11)]++;
    duplicates += !ids.insert(e.event_id()).second;
    key_mismatch += r.key != e.child_id();
    // Keyed records must sit where murmur2 of the key puts them (ADR 0007).
    wrong_partition += !r.key.empty() && kafka::PartitionFor(r.key, partitions) != r.partition;
    children.insert(e.child_id());
    if (!e.household_id().empty()) households.insert(e.household_id());
    if (static_cast<int>(samples.size()) < o.samples && e.has_contact_received()) {
      samples.push_back(e.DebugString());
    }
  }
  if (o.json) {
    nlohmann::json j = {{"topic", o.topic},
                        {"records", records.value().size()},
                        {"distinct_event_ids", ids.size()},
                        {"duplicates", duplicates},
                        {"undecodable", undecodable},
                        {"key_mismatch", key_mismatch},
                        {"wrong_partition", wrong_partition},
                        {"children", children.size()},
                        {"by_type", by_type},
                        {"by_partition", by_partition}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "Topic " << o.topic << ": " << records.value().size() << " events about "
            << children.size() << " children in " << households.size() << " households\n"
            << "  distinct event ids: " << ids.size() << ", duplicates: " << duplicates
            << ", undecodable: " << undecodable << ", key != child_id: " << key_mismatch
            << ", on the wrong partition: " << wrong_partition << "\n";
  PrintCounts("Events by type", by_type);
  PrintCounts("Contacts by source", by_source);
  PrintCounts("RAG ratings", by_rag);
  PrintCounts("Events by partition (key = child_id)", by_partition);
  for (const std::string& s : samples) std::cout << "\nExample contact (decoded):\n" << s;
  return undecodable == 0 && key_mismatch == 0 ? 0 : 1;
}

}  // namespace sightline::ctl

// An empty projector store for a test: the projector's column families in a temporary
// directory, written without fsync.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "process.h"
#include "sightline/storage/store.h"
#include "store_layout.h"

namespace sightline::projector {

inline std::unique_ptr<storage::Store> OpenScratchStore(const std::string& name) {
  auto store = storage::Store::Open(
      {.path = testing::TempDir(name), .column_families = ColumnFamilies(), .sync_writes = false});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

}  // namespace sightline::projector

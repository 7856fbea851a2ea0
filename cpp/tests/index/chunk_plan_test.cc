// Chunk planning and region copies: which chunks a selection touches, with which runs, which
// objects hold them, and that copying every touched chunk's part (CopyRegion) assembles
// exactly what indexing the whole array would give, checked against a direct element-by-
// element reference on random shapes, chunkings and selections.
#include "index/chunk_plan.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "index/normalized_selection.h"
#include "index/region_copy.h"

namespace hub::index {
namespace {

std::vector<std::int64_t> Shape(std::initializer_list<std::int64_t> extents) { return extents; }

TEST(ChunkPlan, ASliceTouchesTheChunksItCrossesWithTheirRuns) {
  const auto shape = Shape({10});
  const auto chunk = Shape({4});
  const ChunkPlan plan(Normalize({Slice{2, 7, {}}}, shape), chunk, shape);
  ASSERT_EQ(plan.NumChunks(), 2u);
  const auto& pieces = plan.AxisPieces(0);
  EXPECT_EQ(pieces[0].chunk_index, 0);
  ASSERT_EQ(pieces[0].runs.size(), 1u);
  EXPECT_EQ(pieces[0].runs[0].chunk_start, 2);
  EXPECT_EQ(pieces[0].runs[0].output_start, 0);
  EXPECT_EQ(pieces[0].runs[0].length, 2);
  EXPECT_FALSE(pieces[0].covers_chunk);
  EXPECT_EQ(pieces[1].chunk_index, 1);
  EXPECT_EQ(pieces[1].count, 3);
  EXPECT_FALSE(pieces[1].covers_chunk);  // positions 4-6 of 4-7
}

// PiecesToPlan bounds the plan before it is built: never fewer pieces than ChunkPlan builds,
// exactly as many for indices and slices of step 1.
TEST(ChunkPlan, PiecesToPlanBoundsThePlanWithoutBuildingIt) {
  std::mt19937 random(11);
  auto draw = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random);
  };
  for (int round = 0; round < 500; ++round) {
    const auto shape = Shape({draw(1, 40), draw(1, 40)});
    const auto chunk = Shape({draw(1, 9), draw(1, 9)});
    Selection selection;
    bool exact = true;
    for (const std::int64_t extent : shape) {
      // One index list at most (on the first axis): two would be numpy's vectorised gather.
      switch (draw(0, selection.empty() ? 3 : 2)) {
        case 0:
          selection.push_back(draw(0, extent - 1));
          break;
        case 1: {
          const std::int64_t start = draw(0, extent - 1);
          selection.push_back(Slice{start, draw(start, extent), {}});
          break;
        }
        case 2:
          selection.push_back(Slice{{}, {}, draw(0, 1) ? draw(2, 5) : -draw(1, 5)});
          exact = false;
          break;
        default:
          selection.push_back(std::vector<std::int64_t>{draw(0, extent - 1), draw(0, extent - 1)});
          exact = false;
      }
    }
    const NormalizedSelection normalized = Normalize(selection, shape);
    const ChunkPlan plan(normalized, chunk, shape);
    const std::uint64_t built = plan.AxisPieces(0).size() + plan.AxisPieces(1).size();
    const std::uint64_t bound = PiecesToPlan(normalized, chunk, shape);
    EXPECT_GE(bound, built) << "round " << round;
    if (exact) {
      EXPECT_EQ(bound, built) << "round " << round;
    }
  }
}

TEST(ChunkPlan, EdgeChunksAreCoveredByTheirInBoundsPart) {
  const auto shape = Shape({10});
  const ChunkPlan plan(Normalize({Slice{8, {}, {}}}, shape), Shape({4}), shape);
  ASSERT_EQ(plan.NumChunks(), 1u);
  EXPECT_TRUE(plan.AxisPieces(0)[0].covers_chunk);  // 8 and 9 are all of chunk 2
}

TEST(ChunkPlan, AGatherVisitsEachChunkOnceInOutputOrder) {
  const auto shape = Shape({10});
  const ChunkPlan plan(Normalize({IndexList{7, 1, 5, 6}}, shape), Shape({4}), shape);
  ASSERT_EQ(plan.NumChunks(), 2u);
  std::int64_t picked = 0;
  for (const AxisPiece& piece : plan.AxisPieces(0)) {
    picked += piece.count;
    for (const index::Run& run : piece.runs) {
      EXPECT_GE(run.chunk_start, 0);
      EXPECT_LE(run.chunk_start + run.length, 4);
    }
  }
  EXPECT_EQ(picked, 4);
}

TEST(ObjectPlan, ChunksAreGroupedByTheShardThatHoldsThem) {
  const auto shape = Shape({16, 8});
  const ChunkPlan chunks(Normalize({Slice{1, 15, {}}, Slice{}}, shape), Shape({2, 4}), shape);
  EXPECT_EQ(chunks.NumChunks(), 8u * 2u);
  const ObjectPlan objects(chunks, Shape({4, 2}));  // shards of 8 x 8
  EXPECT_EQ(objects.NumObjects(), 2u);
  std::vector<const ObjectPlan::AxisGroup*> groups;
  std::size_t pieces = 0;
  for (std::size_t n = 0; n < objects.NumObjects(); ++n) {
    objects.GroupsOf(n, groups);
    pieces += groups[0]->piece_count;
    EXPECT_EQ(groups[1]->piece_count, 2u);
  }
  EXPECT_EQ(pieces, 8u);
}

// The element each output position should hold: the selection applied directly.
std::vector<std::int32_t> Reference(const NormalizedSelection& selection,
                                    const std::vector<std::int64_t>& shape) {
  const auto out_shape = selection.OutputShape();
  const std::int64_t total = selection.NumElements();
  std::vector<std::int32_t> out(static_cast<std::size_t>(total));
  std::vector<std::int64_t> position(out_shape.size(), 0);
  for (std::int64_t n = 0; n < total; ++n) {
    std::int64_t rest = n;
    for (std::size_t k = out_shape.size(); k-- > 0;) {
      position[k] = rest % out_shape[k];
      rest /= out_shape[k];
    }
    std::int64_t linear = 0;
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      const DimSelection& dim = selection.dims[axis];
      std::int64_t coordinate = dim.start;
      if (!dim.dropped()) {
        const auto at = std::find(selection.output_axes.begin(), selection.output_axes.end(), axis);
        coordinate = dim.Coordinate(
            position[static_cast<std::size_t>(std::distance(selection.output_axes.begin(), at))]);
      }
      linear = linear * shape[axis] + coordinate;
    }
    out[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(linear);
  }
  return out;
}

TEST(RegionCopy, CopyingEveryTouchedChunkAssemblesTheSelection) {
  std::mt19937 random(7);
  auto uniform = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random);
  };
  for (int round = 0; round < 300; ++round) {
    const std::size_t rank = static_cast<std::size_t>(uniform(1, 3));
    std::vector<std::int64_t> shape, chunk;
    Selection selection;
    bool gathered = false;
    for (std::size_t axis = 0; axis < rank; ++axis) {
      shape.push_back(uniform(1, 9));
      chunk.push_back(uniform(1, shape.back() + 1));
      switch (uniform(0, gathered ? 1 : 2)) {
        case 0:
          selection.push_back(uniform(-shape.back(), shape.back() - 1));
          break;
        case 1: {
          const std::int64_t step = uniform(0, 1) ? uniform(1, 3) : -uniform(1, 3);
          selection.push_back(Slice{uniform(-9, 9), uniform(-9, 9), step});
          break;
        }
        default: {
          IndexList list;
          for (std::int64_t k = uniform(1, 5); k > 0; --k)
            list.push_back(uniform(0, shape.back() - 1));
          selection.push_back(list);
          gathered = true;
        }
      }
    }
    const NormalizedSelection normalized = Normalize(selection, shape);
    const ChunkPlan plan(normalized, chunk, shape);
    const auto output_strides = OutputStrides(normalized, sizeof(std::int32_t));
    const auto chunk_strides = CStrides(chunk, sizeof(std::int32_t));
    std::vector<std::int32_t> out(static_cast<std::size_t>(normalized.NumElements()), -1);
    std::vector<const AxisPiece*> pieces;
    std::vector<std::int32_t> chunk_values;
    for (std::size_t n = 0; n < plan.NumChunks(); ++n) {
      plan.PiecesOf(n, pieces);
      // The chunk's values: each element's linear index in the whole array.
      std::int64_t chunk_elements = 1;
      for (const auto extent : chunk) chunk_elements *= extent;
      chunk_values.assign(static_cast<std::size_t>(chunk_elements), 0);
      for (std::int64_t e = 0; e < chunk_elements; ++e) {
        std::int64_t rest = e, linear = 0, scale = 1;
        for (std::size_t axis = rank; axis-- > 0;) {
          const std::int64_t coordinate =
              pieces[axis]->chunk_index * chunk[axis] + rest % chunk[axis];
          rest /= chunk[axis];
          linear += (coordinate < shape[axis] ? coordinate : 0) * scale;
          scale *= shape[axis];
        }
        chunk_values[static_cast<std::size_t>(e)] = static_cast<std::int32_t>(linear);
      }
      const CopyGeometry geometry{pieces, chunk, chunk_strides, output_strides,
                                  sizeof(std::int32_t)};
      CopyRegion(CopyDirection::kChunkToOutput, reinterpret_cast<std::byte*>(chunk_values.data()),
                 reinterpret_cast<std::byte*>(out.data()), geometry);
    }
    ASSERT_EQ(out, Reference(normalized, shape)) << "round " << round;
  }
}

TEST(RegionCopy, BlocksGoInAndOutOfTheirShard) {
  const auto outer = Shape({4, 6});
  const auto block = Shape({2, 3});
  std::vector<std::uint8_t> shard(24, 0), part{1, 2, 3, 4, 5, 6}, back(6, 0);
  // The block is the "chunk" side, its shard the "output" side.
  CopyBlock(CopyDirection::kChunkToOutput, reinterpret_cast<std::byte*>(part.data()),
            reinterpret_cast<std::byte*>(shard.data()), block, outer, Shape({2, 3}), 1);
  EXPECT_EQ(shard[2 * 6 + 3], 1);
  EXPECT_EQ(shard[3 * 6 + 5], 6);
  EXPECT_EQ(std::count(shard.begin(), shard.end(), 0), 18);
  CopyBlock(CopyDirection::kOutputToChunk, reinterpret_cast<std::byte*>(back.data()),
            reinterpret_cast<std::byte*>(shard.data()), block, outer, Shape({2, 3}), 1);
  EXPECT_EQ(back, part);
}

TEST(RegionCopy, FillsAndUniformBuffers) {
  std::vector<std::byte> buffer(12);
  const std::array<std::byte, 4> element{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  FillWithElement(buffer, element);
  EXPECT_TRUE(HoldsOnlyElement(buffer, element));
  buffer[5] = std::byte{9};
  EXPECT_FALSE(HoldsOnlyElement(buffer, element));
  std::vector<std::byte> zeros(16);
  EXPECT_TRUE(HoldsOnlyElement(zeros, {}));
}

}  // namespace
}  // namespace hub::index

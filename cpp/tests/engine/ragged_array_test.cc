// Ragged arrays from C++: samples of any shape stored and read back, shapes read without the
// samples, selections within samples, growth, replacement, resize, image files kept byte for
// byte, and hostile shape rows.
#include "hub/ragged_array.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include "codec/image_files.h"
#include "codec/jpeg_codec.h"
#include "hub/errors.h"

namespace hub {
namespace {

// A (rows, 4) float32 sample whose values start at `first`.
struct Boxes {
  std::vector<float> values;
  std::vector<std::int64_t> shape;
  SampleInput input() const { return {std::as_bytes(std::span(values)), shape, false}; }
};

Boxes MakeBoxes(std::int64_t rows, float first) {
  Boxes boxes{std::vector<float>(static_cast<std::size_t>(rows * 4)), {rows, 4}};
  std::iota(boxes.values.begin(), boxes.values.end(), first);
  return boxes;
}

RaggedSpec BoxSpec(std::int64_t samples_per_shard = 3) {
  RaggedSpec spec;
  spec.sample_shape = {std::nullopt, 4};
  spec.dtype = DataType::kFloat32;
  spec.compress = "zstd";
  spec.samples_per_shard = samples_per_shard;
  return spec;
}

std::vector<float> Values(const Sample& sample) {
  const auto floats = sample.values.span().size() / sizeof(float);
  std::vector<float> values(floats);
  if (floats > 0) std::memcpy(values.data(), sample.values.data(), floats * sizeof(float));
  return values;
}

std::shared_ptr<RaggedArray> FilledBoxes(std::shared_ptr<Store> store, std::int64_t count) {
  auto array = RaggedArray::Create(store, "boxes", BoxSpec());
  std::vector<Boxes> boxes;
  for (std::int64_t k = 0; k < count; ++k) boxes.push_back(MakeBoxes(k % 4, 100.0f * k));
  std::vector<SampleInput> inputs;
  for (const Boxes& sample : boxes) inputs.push_back(sample.input());
  EXPECT_EQ(array->Extend(inputs), count);
  return array;
}

TEST(RaggedArray, SamplesOfEveryShapeReadBackAcrossShards) {
  auto store = MakeMemoryStore();
  FilledBoxes(store, 7);
  auto array = RaggedArray::Open(store, "boxes");
  EXPECT_EQ(array->length(), 7);
  EXPECT_EQ(array->samples_array()->shard_shape(), (std::vector<std::int64_t>{3}));
  const auto result = array->Read({Slice{}});
  ASSERT_EQ(result.samples.size(), 7u);
  EXPECT_FALSE(result.single);
  for (std::int64_t k = 0; k < 7; ++k) {
    const Boxes expected = MakeBoxes(k % 4, 100.0f * k);
    EXPECT_EQ(result.samples[k].shape, expected.shape) << k;
    EXPECT_EQ(Values(result.samples[k]), expected.values) << k;
  }
  const auto single = array->Read({std::int64_t{-2}});
  EXPECT_TRUE(single.single);
  EXPECT_EQ(Values(single.samples.at(0)), MakeBoxes(1, 500.0f).values);
  EXPECT_THROW(array->Read({std::int64_t{7}}), OutOfBoundsError);
}

TEST(RaggedArray, ShapesComeFromTheShapesArrayAlone) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 5);
  store->Delete("boxes/samples/c/0");  // no sample is read
  EXPECT_EQ(array->Shapes(IndexList{{4, 0, 3}}), (std::vector<std::int64_t>{0, 4, 0, 4, 3, 4}));
  EXPECT_EQ(array->shape()[0], std::optional<std::int64_t>(5));
  EXPECT_EQ(array->shape()[1], std::nullopt);
}

TEST(RaggedArray, SelectionsApplyWithinEachSample) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 4);
  // Every sample's last column, of samples 2 and 3 (2 and 3 rows).
  const auto result = array->Read({Slice{2, 4, 1}, Slice{}, std::int64_t{3}});
  ASSERT_EQ(result.samples.size(), 2u);
  EXPECT_EQ(result.samples[0].shape, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(Values(result.samples[0]), (std::vector<float>{203, 207}));
  EXPECT_EQ(Values(result.samples[1]), (std::vector<float>{303, 307, 311}));
  // A leading ellipsis stands for the sample axis too.
  const auto last = array->Read({Ellipsis{}, std::int64_t{0}});
  EXPECT_EQ(last.samples.size(), 4u);
  EXPECT_EQ(Values(last.samples[3]), (std::vector<float>{300, 304, 308}));
  // Sample 1 has one row: row 1 is outside it, and the error names it.
  try {
    array->Read({std::int64_t{1}, std::int64_t{1}});
    FAIL();
  } catch (const OutOfBoundsError& error) {
    EXPECT_NE(std::string(error.what()).find("sample 1"), std::string::npos) << error.what();
  }
}

TEST(RaggedArray, FixedAxesAndRanksAreCheckedOnWrite) {
  auto store = MakeMemoryStore();
  auto array = RaggedArray::Create(store, "boxes", BoxSpec());
  const std::vector<float> values(6);
  const SampleInput wrong_axis{std::as_bytes(std::span(values)), {2, 3}, false};
  const SampleInput wrong_rank{std::as_bytes(std::span(values)), {6}, false};
  const SampleInput wrong_bytes{std::as_bytes(std::span(values)), {2, 4}, false};
  for (const SampleInput& input : {wrong_axis, wrong_rank, wrong_bytes}) {
    EXPECT_THROW(array->Extend(std::span(&input, 1)), InvalidArgumentError);
  }
  EXPECT_EQ(RaggedArray::Open(store, "boxes")->length(), 0);
  RaggedSpec no_varying_axis = BoxSpec();
  no_varying_axis.sample_shape = {2, 4};
  EXPECT_THROW(RaggedArray::Create(store, "other", no_varying_axis), InvalidArgumentError);
}

TEST(RaggedArray, WriteReplacesOneSampleWithAnotherShape) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 5);
  const Boxes replacement = MakeBoxes(6, -50.0f);
  array->Write(-4, replacement.input());
  const auto reread = RaggedArray::Open(store, "boxes")->Read({Slice{}});
  EXPECT_EQ(reread.samples[1].shape, replacement.shape);
  EXPECT_EQ(Values(reread.samples[1]), replacement.values);
  EXPECT_EQ(Values(reread.samples[2]), MakeBoxes(2, 200.0f).values);
  EXPECT_THROW(array->Write(5, replacement.input()), OutOfBoundsError);
}

TEST(RaggedArray, ResizeShrinksAndGrowsWithEmptySamples) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 7);
  array->Resize(2);
  EXPECT_EQ(RaggedArray::Open(store, "boxes")->length(), 2);
  array->Resize(5);
  const auto result = RaggedArray::Open(store, "boxes")->Read({Slice{}});
  ASSERT_EQ(result.samples.size(), 5u);
  EXPECT_EQ(Values(result.samples[1]), MakeBoxes(1, 100.0f).values);
  for (std::size_t k = 2; k < 5; ++k) {
    EXPECT_EQ(result.samples[k].shape, (std::vector<std::int64_t>{0, 4})) << k;
  }
  EXPECT_THROW(array->Resize(-1), InvalidArgumentError);
}

TEST(RaggedArray, AnUncommittedAppendLeavesTheOldLength) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 2);
  const Boxes extra = MakeBoxes(3, 7.0f);
  const std::vector<SampleInput> inputs(4, extra.input());
  {
    RaggedAppender appender(array);
    appender.Write(inputs);
    EXPECT_EQ(appender.length(), 6);
  }  // destroyed without Commit, as a writer that died would leave it
  EXPECT_EQ(RaggedArray::Open(store, "boxes")->length(), 2);
  // The samples array grown past the shapes array (a crash between the two commits): the
  // next append writes over the leftovers and lines both up again.
  auto samples = array->samples_array();
  samples->Resize(std::vector<std::int64_t>{5});
  const Boxes next = MakeBoxes(1, 9.0f);
  const SampleInput next_input = next.input();
  EXPECT_EQ(array->Extend(std::span(&next_input, 1)), 3);
  auto reopened = RaggedArray::Open(store, "boxes");
  EXPECT_EQ(reopened->samples_array()->shape()[0], 3);
  EXPECT_EQ(Values(reopened->Read({std::int64_t{2}}).samples.at(0)), next.values);
}

TEST(RaggedArray, HostileShapeRowsAreCorruptionNamingTheSample) {
  auto store = MakeMemoryStore();
  auto array = FilledBoxes(store, 3);
  auto shapes = array->shapes_array();
  for (const std::int64_t rows : {std::int64_t{5}, std::int64_t{-1}, std::int64_t{1} << 60}) {
    shapes->Write(shapes->Select({std::int64_t{2}, Slice{}}), std::as_bytes(std::span(&rows, 1)));
    try {
      RaggedArray::Open(store, "boxes")->Read({std::int64_t{2}});
      FAIL() << rows;
    } catch (const CorruptChunkError& error) {
      EXPECT_NE(std::string(error.what()).find("sample 2"), std::string::npos) << error.what();
    }
  }
}

// A w x h RGB JPEG made by the engine's own codec.
Buffer MakeJpeg(int height, int width) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(height * width * 3));
  for (std::size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<std::uint8_t>(k * 7);
  const codec::JpegCodec codec(90);
  codec::ImageGeometry geometry;
  geometry.height = height;
  geometry.width = width;
  geometry.channels = 3;
  geometry.item_bytes = pixels.size();
  geometry.image_axes = 3;
  return codec.EncodeImage(std::as_bytes(std::span(pixels)), geometry);
}

TEST(RaggedArray, JpegFilesAreKeptByteForByte) {
  auto store = MakeMemoryStore();
  RaggedSpec spec;
  spec.sample_shape = {std::nullopt, std::nullopt, 3};
  spec.compress = "jpeg";
  auto array = RaggedArray::Create(store, "images", spec);
  const Buffer small = MakeJpeg(20, 30);
  const Buffer large = MakeJpeg(48, 17);
  const std::vector<SampleInput> files = {{small.span(), {}, true}, {large.span(), {}, true}};
  EXPECT_EQ(array->Extend(files), 2);
  const VariableValues stored =
      array->samples_array()->ReadValues(array->samples_array()->Select({}));
  const auto first = stored.elements()[0].span();
  EXPECT_TRUE(std::equal(first.begin(), first.end(), small.span().begin(), small.span().end()));
  EXPECT_EQ(array->Shapes(Slice{}), (std::vector<std::int64_t>{20, 30, 3, 48, 17, 3}));
  const auto decoded = array->Read({std::int64_t{1}, Slice{0, 2, 1}});
  EXPECT_EQ(decoded.samples.at(0).shape, (std::vector<std::int64_t>{2, 17, 3}));
  const std::vector<std::byte> not_an_image(100, std::byte{1});
  const SampleInput bad{not_an_image, {}, true};
  EXPECT_THROW(array->Extend(std::span(&bad, 1)), InvalidArgumentError);
}

TEST(RaggedArray, AFailedJpegHeaderDoesNotSpoilTheNextOnThisThread) {
  const Buffer file = MakeJpeg(21, 34);
  const auto header_cut = file.span().first(40);
  EXPECT_THROW(ReadImageFileHeader(header_cut), CorruptChunkError);
  const ImageFileHeader header = ReadImageFileHeader(file.span());
  EXPECT_EQ(header.height, 21);
  EXPECT_EQ(header.width, 34);
  // The engine's own jpeg codec shares the thread's decompressor.
  const codec::JpegCodec codec(90);
  codec::ImageGeometry geometry;
  geometry.height = 21;
  geometry.width = 34;
  geometry.channels = 3;
  geometry.item_bytes = 21 * 34 * 3;
  geometry.image_axes = 3;
  std::vector<std::byte> pixels(geometry.item_bytes);
  EXPECT_THROW(codec.DecodeImage(header_cut, pixels, geometry), CorruptChunkError);
  EXPECT_NO_THROW(codec.DecodeImage(file.span(), pixels, geometry));
}

TEST(RaggedArray, CreateReopensTheSameSpecAndRefusesAnother) {
  auto store = MakeMemoryStore();
  RaggedArray::Create(store, "boxes", BoxSpec());
  EXPECT_NO_THROW(RaggedArray::Create(store, "boxes", BoxSpec(), {OnExists::kReopenIfSame}));
  EXPECT_THROW(RaggedArray::Create(store, "boxes", BoxSpec(5), {OnExists::kReopenIfSame}),
               ContainsNodeError);
  EXPECT_THROW(RaggedArray::Create(store, "boxes", BoxSpec()), ContainsNodeError);
  EXPECT_THROW(RaggedArray::Open(store, "boxes/samples"), NotFoundError);
  EXPECT_TRUE(IsRaggedArrayNode(ReadNode(*store, "boxes")));
}

TEST(RaggedArray, ACreateKilledMidwayLeavesNothingThatClaimsToBeOneAndIsRedone) {
  auto store = MakeMemoryStore();
  // What a create killed after its first child leaves: a plain group and the samples array.
  Array::Create(store, "boxes/samples", {{0}, {1}, DataType::kBytes, "default", 0.5, {}, {3}});
  EXPECT_FALSE(IsRaggedArrayNode(ReadNode(*store, "boxes")));
  EXPECT_THROW(RaggedArray::Open(store, "boxes"), NotFoundError);
  auto created = RaggedArray::Create(store, "boxes", BoxSpec(), {OnExists::kReopenIfSame});
  EXPECT_EQ(created->Extend(std::vector<SampleInput>{MakeBoxes(2, 0).input()}), 1);
  EXPECT_EQ(RaggedArray::Open(store, "boxes")->length(), 1);
  // A group holding anything else is not taken for leftovers.
  Array::Create(store, "other/labels", {{0}, {}, DataType::kInt64, "default", 0.5});
  EXPECT_THROW(RaggedArray::Create(store, "other", BoxSpec(), {OnExists::kReopenIfSame}),
               ContainsNodeError);
}

TEST(RaggedArray, ReadImagesCropsEachImageWithinItsOwnSize) {
  auto store = MakeMemoryStore();
  RaggedSpec spec;
  spec.sample_shape = {std::nullopt, std::nullopt, 3};
  spec.compress = "png";  // lossless: the whole box at its own size is the image itself
  auto array = RaggedArray::Create(store, "images", spec);
  std::vector<std::vector<std::uint8_t>> pixels;
  const std::vector<std::pair<int, int>> sizes = {{12, 20}, {30, 8}};
  std::vector<SampleInput> inputs;
  for (const auto& [height, width] : sizes) {
    pixels.emplace_back(static_cast<std::size_t>(height * width * 3));
    std::iota(pixels.back().begin(), pixels.back().end(), std::uint8_t{0});
    inputs.push_back({std::as_bytes(std::span(pixels.back())), {height, width, 3}, false});
  }
  array->Extend(inputs);
  // Image 1 whole (30 x 8), and a 4 x 4 box of image 0, both onto 30 x 8.
  const std::vector<ImageRequest> requests = {{1, {0, 0, 30, 8}, false}, {0, {2, 3, 4, 4}, false}};
  ImageOutput output;
  output.height = 30;
  output.width = 8;
  std::vector<std::uint8_t> out(2 * output.ImageBytes(3));
  array->ReadImages(requests, output, std::as_writable_bytes(std::span(out)));
  EXPECT_TRUE(std::equal(pixels[1].begin(), pixels[1].end(), out.begin()));
  // A box inside image 1 but outside image 0, an index past the end, a wrong output size.
  const std::vector<ImageRequest> outside = {{0, {0, 0, 30, 8}, false}};
  EXPECT_THROW(array->ReadImages(outside, output,
                                 std::as_writable_bytes(std::span(out)).first(out.size() / 2)),
               InvalidArgumentError);
  const std::vector<ImageRequest> past = {{2, {0, 0, 1, 1}, false}};
  EXPECT_THROW(
      array->ReadImages(past, output, std::as_writable_bytes(std::span(out)).first(out.size() / 2)),
      OutOfBoundsError);
  EXPECT_THROW(array->ReadImages(past, output, std::as_writable_bytes(std::span(out))),
               InvalidArgumentError);
  auto boxes = FilledBoxes(store, 2);  // not images
  EXPECT_THROW(boxes->ReadImages({}, output, {}), InvalidArgumentError);
}

TEST(RaggedArray, ReadImageFilesReadsEachFileOrSaysWhyNot) {
  const std::filesystem::path folder = std::filesystem::temp_directory_path() /
                                       ("hub_read_image_files_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const Buffer jpeg = MakeJpeg(12, 7);
  std::ofstream(folder / "a.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
  std::ofstream(folder / "b.jpg", std::ios::binary) << "not an image";
  const std::vector<std::string> paths = {(folder / "a.jpg").string(), (folder / "b.jpg").string(),
                                          (folder / "missing.jpg").string(), folder.string()};
  const std::vector<ImageFileRead> files = ReadImageFiles(paths);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_TRUE(files[0].error.empty());
  EXPECT_TRUE(std::equal(jpeg.span().begin(), jpeg.span().end(), files[0].bytes.span().begin(),
                         files[0].bytes.span().end()));
  EXPECT_EQ(files[0].header.format, "jpeg");
  EXPECT_EQ(files[0].header.height, 12);
  EXPECT_EQ(files[0].header.width, 7);
  EXPECT_NE(files[1].error.find("not a JPEG or PNG"), std::string::npos);
  EXPECT_NE(files[2].error.find("No such file"), std::string::npos);
  EXPECT_EQ(files[3].error, "not a regular file");
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace hub

// Region decoding through libjpeg's API (see jpeg_region.h). libjpeg reports errors by
// longjmp, so the decoding runs in a function whose frame holds only plain C data and that
// returns an error code; the C++ wrapper turns that into an exception.
#include "codec/jpeg_region.h"

#include <jpeglib.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void OnError(j_common_ptr info) {
  auto* manager = reinterpret_cast<ErrorManager*>(info->err);
  (*info->err->format_message)(info, manager->message);
  std::longjmp(manager->jump, 1);
}

// Warnings (level -1: corrupt data libjpeg would paper over) are errors, as the full decode's
// TJFLAG_STOPONWARNING makes them; trace messages are ignored.
void OnMessage(j_common_ptr info, int level) {
  if (level < 0) OnError(info);
}

struct RegionPlan {  // plain data: what DecodeRaw is asked and what it found
  const unsigned char* data;
  unsigned long size;
  ImageBox box;
  int min_height, min_width, expected_height, expected_width, channels;
  // results
  unsigned char* pixels;  // malloc'd
  int height, width, image_height, image_width;
  double x_scale, y_scale;
  unsigned x_offset, y_offset;
  char message[JMSG_LENGTH_MAX];
};

// The smallest M of 1, 2 and 4 with enough pixels at M/8, else 8: libjpeg-turbo's IDCTs at
// those scales are SIMD, while 3/8, 5/8, 6/8 and 7/8 (and the 10x10 to 14x14 IDCTs they use
// for subsampled chroma) are plain C, slower than decoding the extra pixels at a SIMD scale.
int ScaleNumerator(const RegionPlan& plan) {
  for (int m = 1; m < 8; m *= 2) {
    if (plan.box.height * m / 8 >= plan.min_height && plan.box.width * m / 8 >= plan.min_width) {
      return m;
    }
  }
  return 8;
}

// 0 on success; 1 for corrupt data (message set); 2 for an image of another size; 3 for no
// memory. Only plain C data lives in this frame, so the longjmp skips no destructor.
int DecodeRaw(RegionPlan* plan) {
  jpeg_decompress_struct info;
  ErrorManager errors;
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = OnError;
  errors.base.emit_message = OnMessage;
  plan->pixels = nullptr;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    std::free(plan->pixels);
    plan->pixels = nullptr;
    std::snprintf(plan->message, sizeof plan->message, "%s", errors.message);
    return 1;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, plan->data, plan->size);
  jpeg_read_header(&info, TRUE);
  plan->image_height = static_cast<int>(info.image_height);
  plan->image_width = static_cast<int>(info.image_width);
  if (plan->image_height != plan->expected_height || plan->image_width != plan->expected_width) {
    jpeg_destroy_decompress(&info);
    return 2;
  }
  info.out_color_space = plan->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  info.scale_num = static_cast<unsigned>(ScaleNumerator(*plan));
  info.scale_denom = 8;
  jpeg_start_decompress(&info);
  plan->x_scale = static_cast<double>(info.output_width) / info.image_width;
  plan->y_scale = static_cast<double>(info.output_height) / info.image_height;
  // The box in scaled pixels, one pixel wider each side for the filter's reach.
  const int full_width = static_cast<int>(info.output_width);
  const int full_height = static_cast<int>(info.output_height);
  const int x0 = std::max(static_cast<int>(std::floor(plan->box.left * plan->x_scale)) - 1, 0);
  const int x1 =
      std::min(static_cast<int>(std::ceil((plan->box.left + plan->box.width) * plan->x_scale)) + 1,
               full_width);
  const int y0 = std::max(static_cast<int>(std::floor(plan->box.top * plan->y_scale)) - 1, 0);
  const int y1 =
      std::min(static_cast<int>(std::ceil((plan->box.top + plan->box.height) * plan->y_scale)) + 1,
               full_height);
  JDIMENSION x_offset = static_cast<JDIMENSION>(x0);
  JDIMENSION crop_width = static_cast<JDIMENSION>(std::max(x1 - x0, 1));
  if (x0 > 0 || x1 < full_width) jpeg_crop_scanline(&info, &x_offset, &crop_width);
  if (y0 > 0) jpeg_skip_scanlines(&info, static_cast<JDIMENSION>(y0));
  plan->x_offset = x_offset;
  plan->y_offset = static_cast<unsigned>(y0);
  plan->width = static_cast<int>(info.output_width);  // the cropped width
  plan->height = std::max(y1 - y0, 1);
  const std::size_t row_bytes = static_cast<std::size_t>(plan->width) * plan->channels;
  plan->pixels = static_cast<unsigned char*>(std::malloc(row_bytes * plan->height));
  if (plan->pixels == nullptr) {
    jpeg_destroy_decompress(&info);
    return 3;
  }
  while (info.output_scanline < static_cast<JDIMENSION>(y0 + plan->height)) {
    JSAMPROW row = plan->pixels + (info.output_scanline - y0) * row_bytes;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_abort_decompress(&info);  // the rows below the box are never decoded
  jpeg_destroy_decompress(&info);
  return 0;
}

}  // namespace

JpegRegion DecodeJpegRegion(std::span<const std::byte> encoded, const ImageBox& box, int min_height,
                            int min_width, int expected_height, int expected_width, int channels) {
  RegionPlan plan{};
  plan.data = reinterpret_cast<const unsigned char*>(encoded.data());
  plan.size = static_cast<unsigned long>(encoded.size());
  plan.box = box;
  plan.min_height = min_height;
  plan.min_width = min_width;
  plan.expected_height = expected_height;
  plan.expected_width = expected_width;
  plan.channels = channels;
  switch (DecodeRaw(&plan)) {
    case 0:
      break;
    case 1:
      throw CorruptChunkError(std::string("jpeg data is corrupt: ") + plan.message);
    case 2:
      throw CorruptChunkError("jpeg image is " + std::to_string(plan.image_width) + " x " +
                              std::to_string(plan.image_height) + " where the array holds " +
                              std::to_string(expected_width) + " x " +
                              std::to_string(expected_height));
    default:
      throw std::bad_alloc();
  }
  JpegRegion region;
  region.pixels.reset(plan.pixels);
  region.height = plan.height;
  region.width = plan.width;
  region.channels = channels;
  region.box =
      ImageBox{box.top * plan.y_scale - plan.y_offset, box.left * plan.x_scale - plan.x_offset,
               box.height * plan.y_scale, box.width * plan.x_scale};
  return region;
}

}  // namespace hub::codec

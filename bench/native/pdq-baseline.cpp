// PDQ native baseline for bench:hash: the same float32 algorithm as src/hashing/pdq*.ts, written from
// the published algorithm in the structure of Meta's reference (ThreatExchange pdq/cpp): a full-size
// luma buffer and a second full-size buffer, every box pass over the whole image into the other
// buffer (rows one after another, columns one after another with a row-sized stride), then
// decimation to 64x64. No streaming, no SIMD by hand: what the reference's 5.5 ms per megapixel
// measures, so that our TypeScript can be compared with it in the same run on the same machine.
//
//   g++ -O2 -std=c++17 -o pdq-baseline pdq-baseline.cpp
//   pdq-baseline WIDTH HEIGHT [REPS [FILE]]
//
// Reads frames of WIDTH*HEIGHT*3 bytes (RGB, row-major) from FILE or stdin until end of input. Each
// frame is hashed REPS times (default 1) and gets one line, flushed at once so that a caller can send
// the next frame after reading it:
//   <64 hex digits> <quality> <median ms per hash> <min ms per hash>
// The times cover luminance to hex digits, not reading the input. The buffers are allocated (and
// touched) once at start, as our TS keeps its scratch between hashes.
//
// Bit-exact with pdqHash on the same pixels as long as the compiler keeps float operations as
// written: no -ffast-math, and no FMA contraction (the default x86-64 target has no FMA; with
// -march=native add -ffp-contract=off).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr int kDown = 64;  // side of the downsampled image
constexpr int kDct = 16;   // side of the kept DCT coefficients
constexpr int kMinDimension = 5;

// ---- Luminance -------------------------------------------------------------------------------

void fillFloatLumaFromRGB(const uint8_t* rgb, int numRows, int numCols, float* luma) {
  const float fromR = 0.299f;
  const float fromG = 0.587f;
  const float fromB = 0.114f;
  const long n = static_cast<long>(numRows) * numCols;
  for (long i = 0; i < n; i++) {
    const uint8_t* p = rgb + 3 * i;
    luma[i] = fromR * p[0] + fromG * p[1] + fromB * p[2];
  }
}

// ---- Jarosz filter: box filters along rows and columns, twice --------------------------------

// Half of one output cell, rounded up.
int computeJaroszFilterWindowSize(int oldDimension, int newDimension) {
  return (oldDimension + 2 * newDimension - 1) / (2 * newDimension);
}

// Running float sum over a window of `window` samples, `stride` apart; output o averages inputs
// [o - (window - half), o + half - 1] clipped to the vector, in four phases.
void box1DFloat(const float* in, float* out, int length, int stride, int window) {
  const int half = (window + 2) / 2;
  const int phase1 = half - 1;
  const int phase2 = window - half + 1;
  const int phase3 = length - window;
  const int phase4 = half - 1;
  long li = 0;
  long ri = 0;
  long oi = 0;
  float sum = 0.0f;
  int count = 0;
  for (int i = 0; i < phase1; i++) {  // accumulate, no writes
    sum += in[ri];
    count++;
    ri += stride;
  }
  for (int i = 0; i < phase2; i++) {  // growing window
    sum += in[ri];
    count++;
    out[oi] = sum / count;
    ri += stride;
    oi += stride;
  }
  for (int i = 0; i < phase3; i++) {  // full window
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / count;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (int i = 0; i < phase4; i++) {  // shrinking window
    sum -= in[li];
    count--;
    out[oi] = sum / count;
    li += stride;
    oi += stride;
  }
}

void boxAlongRowsFloat(const float* in, float* out, int numRows, int numCols, int window) {
  for (int i = 0; i < numRows; i++) {
    box1DFloat(in + static_cast<long>(i) * numCols, out + static_cast<long>(i) * numCols, numCols, 1,
               window);
  }
}

void boxAlongColsFloat(const float* in, float* out, int numRows, int numCols, int window) {
  for (int j = 0; j < numCols; j++) box1DFloat(in + j, out + j, numRows, numCols, window);
}

// Two iterations of (rows into buffer2, columns back into buffer1): the result is in buffer1.
void jaroszFilterFloat(float* buffer1, float* buffer2, int numRows, int numCols, int windowAlongRows,
                       int windowAlongCols, int iterations) {
  for (int i = 0; i < iterations; i++) {
    boxAlongRowsFloat(buffer1, buffer2, numRows, numCols, windowAlongRows);
    boxAlongColsFloat(buffer2, buffer1, numRows, numCols, windowAlongCols);
  }
}

// The centre of each output cell, truncated.
void decimateFloat(const float* in, int inRows, int inCols, float* out) {
  for (int i = 0; i < kDown; i++) {
    const int ini = static_cast<int>(((i + 0.5) * inRows) / kDown);
    for (int j = 0; j < kDown; j++) {
      const int inj = static_cast<int>(((j + 0.5) * inCols) / kDown);
      out[i * kDown + j] = in[static_cast<long>(ini) * inCols + inj];
    }
  }
}

// ---- Quality, DCT, median, bits --------------------------------------------------------------

int imageDomainQualityMetric(const float a[kDown * kDown]) {
  int gradientSum = 0;
  for (int i = 0; i < kDown - 1; i++) {
    for (int j = 0; j < kDown; j++) {
      const float u = a[i * kDown + j];
      const float v = a[(i + 1) * kDown + j];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradientSum += std::abs(d);
    }
  }
  for (int i = 0; i < kDown; i++) {
    for (int j = 0; j < kDown - 1; j++) {
      const float u = a[i * kDown + j];
      const float v = a[i * kDown + j + 1];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradientSum += std::abs(d);
    }
  }
  return std::min(100, gradientSum / 90);
}

// Rows 1..16 of the 64-point DCT-II matrix (the DC row dropped).
struct DctMatrix {
  float d[kDct][kDown];
  DctMatrix() {
    const float scale = std::sqrt(2.0 / kDown);
    for (int i = 0; i < kDct; i++) {
      for (int j = 0; j < kDown; j++) d[i][j] = scale * std::cos((M_PI / 2 / kDown) * (i + 1) * (2 * j + 1));
    }
  }
};
const DctMatrix kDctMatrix;

// out = D A D^T, through T = D A (16x64); float sums in k = 0..63 order.
void dct64To16(const float a[kDown * kDown], float t[kDct * kDown], float out[kDct * kDct]) {
  const auto& d = kDctMatrix.d;
  for (int i = 0; i < kDct; i++) {
    for (int j = 0; j < kDown; j++) {
      float sum = 0.0f;
      for (int k = 0; k < kDown; k++) sum += d[i][k] * a[k * kDown + j];
      t[i * kDown + j] = sum;
    }
  }
  for (int i = 0; i < kDct; i++) {
    for (int j = 0; j < kDct; j++) {
      float sum = 0.0f;
      for (int k = 0; k < kDown; k++) sum += t[i * kDown + k] * d[j][k];
      out[i * kDct + j] = sum;
    }
  }
}

// Torben Mogensen's median (N. Devillard's version): the ceil(n/2)-th smallest, input untouched.
float torbenMedian(const float* m, int n) {
  float min = m[0];
  float max = m[0];
  for (int i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  const int halfN = (n + 1) / 2;
  for (;;) {
    const float guess = (min + max) / 2;
    int less = 0;
    int greater = 0;
    int equal = 0;
    float maxLtGuess = min;
    float minGtGuess = max;
    for (int i = 0; i < n; i++) {
      if (m[i] < guess) {
        less++;
        if (m[i] > maxLtGuess) maxLtGuess = m[i];
      } else if (m[i] > guess) {
        greater++;
        if (m[i] < minGtGuess) minGtGuess = m[i];
      } else {
        equal++;
      }
    }
    if (less <= halfN && greater <= halfN) {
      if (less >= halfN) return maxLtGuess;
      if (less + equal >= halfN) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

// Bit i*16+j set when coefficient (i, j) is above the median; hex as sixteen 16-bit words, the most
// significant (bits 255..240) first.
std::string hashHex(const float dct[kDct * kDct]) {
  const float median = torbenMedian(dct, kDct * kDct);
  uint16_t words[kDct] = {};
  for (int k = 0; k < kDct * kDct; k++) {
    if (dct[k] > median) words[k >> 4] |= static_cast<uint16_t>(1u << (k & 15));
  }
  std::string hex;
  char word[5];
  for (int w = kDct - 1; w >= 0; w--) {
    std::snprintf(word, sizeof word, "%04hx", words[w]);
    hex += word;
  }
  return hex;
}

// ---- The hash --------------------------------------------------------------------------------

struct Hasher {
  int rows;
  int cols;
  std::vector<float> buffer1;  // luma, then the filtered image
  std::vector<float> buffer2;
  float a64[kDown * kDown];
  float t16x64[kDct * kDown];
  float dct[kDct * kDct];

  Hasher(int numRows, int numCols)
      : rows(numRows),
        cols(numCols),
        buffer1(static_cast<size_t>(numRows) * numCols),
        buffer2(static_cast<size_t>(numRows) * numCols) {}

  std::string hash(const uint8_t* rgb, int& quality) {
    if (rows < kMinDimension || cols < kMinDimension) {
      quality = 0;
      return std::string(64, '0');
    }
    fillFloatLumaFromRGB(rgb, rows, cols, buffer1.data());
    if (rows == kDown && cols == kDown) {
      std::copy(buffer1.begin(), buffer1.end(), a64);
    } else {
      const int windowAlongRows = computeJaroszFilterWindowSize(cols, kDown);
      const int windowAlongCols = computeJaroszFilterWindowSize(rows, kDown);
      jaroszFilterFloat(buffer1.data(), buffer2.data(), rows, cols, windowAlongRows, windowAlongCols, 2);
      decimateFloat(buffer1.data(), rows, cols, a64);
    }
    quality = imageDomainQualityMetric(a64);
    dct64To16(a64, t16x64, dct);
    return hashHex(dct);
  }
};

bool readFrame(std::FILE* in, uint8_t* frame, size_t size) {
  size_t got = 0;
  while (got < size) {
    const size_t n = std::fread(frame + got, 1, size - got, in);
    if (n == 0) break;
    got += n;
  }
  if (got != 0 && got != size) {
    std::fprintf(stderr, "pdq-baseline: input ends inside a frame (%zu of %zu bytes)\n", got, size);
    std::exit(1);
  }
  return got == size;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: pdq-baseline WIDTH HEIGHT [REPS [FILE]]  (raw RGB frames)\n");
    return 2;
  }
  const int width = std::atoi(argv[1]);
  const int height = std::atoi(argv[2]);
  const int reps = argc > 3 ? std::atoi(argv[3]) : 1;
  if (width <= 0 || height <= 0 || reps <= 0) {
    std::fprintf(stderr, "pdq-baseline: WIDTH, HEIGHT and REPS must be positive\n");
    return 2;
  }
  std::FILE* in = argc > 4 ? std::fopen(argv[4], "rb") : stdin;
  if (in == nullptr) {
    std::perror(argv[4]);
    return 1;
  }
  std::vector<uint8_t> frame(static_cast<size_t>(width) * height * 3);
  Hasher hasher(height, width);
  std::vector<double> ms(reps);
  while (readFrame(in, frame.data(), frame.size())) {
    std::string hex;
    int quality = 0;
    for (int r = 0; r < reps; r++) {
      const auto t0 = std::chrono::steady_clock::now();
      hex = hasher.hash(frame.data(), quality);
      const auto t1 = std::chrono::steady_clock::now();
      ms[r] = std::chrono::duration<double, std::milli>(t1 - t0).count();
    }
    std::vector<double> sorted(ms);
    std::sort(sorted.begin(), sorted.end());
    // The lower median, as the benchmarks' own `median`.
    std::printf("%s %d %.4f %.4f\n", hex.c_str(), quality, sorted[(reps - 1) / 2], sorted[0]);
    std::fflush(stdout);
  }
  return 0;
}

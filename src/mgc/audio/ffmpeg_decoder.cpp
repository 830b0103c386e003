// FFmpeg support behind load_audio() and probe_audio() (m4a/aac, opus, ...), for files libsndfile does not
// recognise. Built when MGC_WITH_FFMPEG is on; ffmpeg_stub.cpp replaces it otherwise. Written against the
// FFmpeg 5.1 API (AVChannelLayout, swr_alloc_set_opts2, send/receive decoding).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include "mgc/audio/decoders.h"
#include "mgc/core/error.h"

namespace mgc::audio {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwrFreer {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

// An owned AVChannelLayout (custom-order layouts hold an allocated map).
class ChannelLayout {
 public:
  ChannelLayout() = default;
  ChannelLayout(const ChannelLayout&) = delete;
  ChannelLayout& operator=(const ChannelLayout&) = delete;
  ~ChannelLayout() { av_channel_layout_uninit(&layout_); }

  // Returns false when out of memory.
  bool assign(const AVChannelLayout& other) {
    av_channel_layout_uninit(&layout_);
    return av_channel_layout_copy(&layout_, &other) >= 0;
  }
  bool equals(const AVChannelLayout& other) const { return av_channel_layout_compare(&layout_, &other) == 0; }
  // Non-const: FFmpeg 5.1's swr_alloc_set_opts2 takes mutable layouts (const only from 6.0).
  AVChannelLayout* get() { return &layout_; }

 private:
  AVChannelLayout layout_{};
};

// Offsets beyond this many seconds are reached with a demuxer seek instead of decoding from the start.
constexpr double kSeekThreshold = 1.0;
// How far before the offset a seek lands, so that the decoder's state (AAC's MDCT overlap, Opus' 80 ms
// pre-roll) has settled by the first kept sample.
constexpr double kSeekPreroll = 0.5;

[[noreturn]] void fail(const std::string& path, const std::string& cause) {
  throw make_error("audio", "cannot decode '{}': {}", path, cause);
}

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(err, buf, sizeof(buf)) < 0) return fmt::format("FFmpeg error {}", err);
  return buf;
}

// av_error_text, with the end of file named as what it means before the end of decoding.
std::string read_error_text(int err) {
  return err == AVERROR_EOF ? "unexpected end of file (truncated?)" : av_error_text(err);
}

// FFmpeg logs every recoverable problem to stderr; the library reports through mgc::Error instead.
void quiet_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_FATAL); });
}

void check_stream(const std::string& path, int sample_rate, int channels) {
  if (channels <= 0) fail(path, fmt::format("declares {} channels", channels));
  if (channels > 256) fail(path, fmt::format("declares an absurd {} channels", channels));
  if (sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate)
    fail(path, fmt::format("absurd sample rate {} Hz (accepted: {}..{} Hz)", sample_rate, kMinSampleRate,
                           kMaxSampleRate));
}

// An opened container and its best audio stream.
struct Input {
  FormatPtr format;
  int stream_index = -1;

  AVStream* stream() const { return format->streams[stream_index]; }
};

Input open_input(const std::string& path) {
  quiet_ffmpeg();
  AVFormatContext* raw = nullptr;
  // On failure avformat_open_input frees the context itself.
  int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (err == AVERROR_EOF) fail(path, read_error_text(err));
  if (err < 0) fail(path, "not a recognised audio file (FFmpeg: " + av_error_text(err) + ")");
  Input input;
  input.format.reset(raw);
  err = avformat_find_stream_info(raw, nullptr);
  if (err < 0) fail(path, "cannot read stream info: " + read_error_text(err));
  err = av_find_best_stream(raw, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (err < 0) fail(path, "no audio stream");
  input.stream_index = err;
  return input;
}

// The length the container declares for the input's stream, in frames at `rate` Hz; -1 when unknown. With
// `allow_guess` false, also -1 when FFmpeg only guessed it from the bit rate (MP3 without a Xing header, ADTS).
// Seconds to a frame count at `rate` Hz, rounded as librosa does; huge values saturate instead of overflowing.
int64_t seconds_to_frames(double seconds, int rate) {
  const double frames = std::round(seconds * rate);
  constexpr double kLimit = static_cast<double>(std::numeric_limits<int64_t>::max() / 4);
  return frames >= kLimit ? static_cast<int64_t>(kLimit) : static_cast<int64_t>(frames);
}

int64_t declared_frames(const Input& input, int rate, bool allow_guess) {
  const AVStream* stream = input.stream();
  if (!allow_guess && input.format->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) return -1;
  if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
    return av_rescale_q(stream->duration, stream->time_base, AVRational{1, rate});
  if (input.format->duration != AV_NOPTS_VALUE && input.format->duration > 0)
    return av_rescale(input.format->duration, rate, AV_TIME_BASE);
  return -1;
}

// Decodes one span of one file. run() returns false when a seek landed where the span cannot be located
// precisely; the caller then decodes from the start instead.
class SpanDecoder {
 public:
  SpanDecoder(const std::string& path, double offset, double duration, bool seek)
      : path_(path), offset_(offset), duration_(duration), seek_(seek) {}

  bool run(Audio& out) {
    input_ = open_input(path_);
    AVStream* stream = input_.stream();
    const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
    if (!codec) fail(path_, fmt::format("no decoder for codec '{}'", avcodec_get_name(stream->codecpar->codec_id)));
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) fail(path_, "out of memory");
    int err = avcodec_parameters_to_context(codec_.get(), stream->codecpar);
    if (err < 0) fail(path_, "bad codec parameters: " + av_error_text(err));
    codec_->pkt_timebase = stream->time_base;
    err = avcodec_open2(codec_.get(), codec, nullptr);
    if (err < 0) fail(path_, fmt::format("cannot open the {} decoder: {}", codec->name, av_error_text(err)));
    origin_ = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;

    if (seek_) {
      const int rate = codec_->sample_rate;
      if (!fine_timestamps(rate)) return false;
      const int64_t target = seconds_to_frames(offset_ - kSeekPreroll, rate);
      const int64_t ts = origin_ + av_rescale_q(target, AVRational{1, rate}, stream->time_base);
      if (av_seek_frame(input_.format.get(), input_.stream_index, ts, AVSEEK_FLAG_BACKWARD) < 0) return false;
    }

    out = Audio{};
    out_ = &out;
    PacketPtr packet(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!packet || !frame_) fail(path_, "out of memory");

    State state = State::more;
    while (state == State::more) {
      err = av_read_frame(input_.format.get(), packet.get());
      if (err == AVERROR_EOF) break;
      if (err < 0) fail(path_, "read error (truncated or corrupt file?): " + read_error_text(err));
      if (packet->stream_index != input_.stream_index) {
        av_packet_unref(packet.get());
        continue;
      }
      const std::string at = where(packet->pts);
      if (packet->flags & AV_PKT_FLAG_CORRUPT) {
        av_packet_unref(packet.get());
        fail(path_, fmt::format("corrupt or truncated packet{}", at));
      }
      err = avcodec_send_packet(codec_.get(), packet.get());
      av_packet_unref(packet.get());
      if (err < 0) fail(path_, fmt::format("corrupt data{}: {}", at, av_error_text(err)));
      state = receive_frames();
    }
    if (state == State::more) {
      // End of file: flush the decoder's delayed frames, then the resampler's buffer.
      err = avcodec_send_packet(codec_.get(), nullptr);
      if (err < 0 && err != AVERROR_EOF) fail(path_, "cannot flush the decoder: " + av_error_text(err));
      state = receive_frames();
      if (state == State::more) drain_resampler();
    }
    if (state == State::unusable_seek) return false;

    if (state == State::more && have_first_frame_) {
      // The data ended before the span did. Half a second of slack covers codec delay and padding.
      const int64_t declared = declared_frames(input_, out.sample_rate, false);
      if (declared > 0 && pos_ < declared - out.sample_rate / 2)
        fail(path_, fmt::format("truncated: the header declares {:.3f} s, the file holds {:.3f} s",
                                static_cast<double>(declared) / out.sample_rate,
                                static_cast<double>(pos_) / out.sample_rate));
    }

    if (out.samples.empty()) {
      if (!have_first_frame_) fail(path_, "no audio frames decoded");
      if (pos_ <= start_)
        fail(path_, fmt::format("offset {} s is beyond the end ({:.3f} s)", offset_,
                                static_cast<double>(pos_) / out.sample_rate));
      fail(path_, "no samples decoded");
    }
    return true;
  }

 private:
  enum class State { more, done, unusable_seek };

  // Whether the stream's timestamps resolve single frames at `rate` Hz, so that a position found from a
  // timestamp after a seek is exact. Matroska/WebM, for one, counts milliseconds: 48 frames at 48 kHz.
  bool fine_timestamps(int rate) const {
    return rate > 0 && av_cmp_q(input_.stream()->time_base, AVRational{1, rate}) <= 0;
  }

  // " at 1.234 s" for a timestamp in the stream's time base; empty when there is none.
  std::string where(int64_t pts) const {
    if (pts == AV_NOPTS_VALUE) return "";
    return fmt::format(" at {:.3f} s", static_cast<double>(pts - origin_) * av_q2d(input_.stream()->time_base));
  }

  State receive_frames() {
    for (;;) {
      const int err = avcodec_receive_frame(codec_.get(), frame_.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return State::more;
      if (err < 0) fail(path_, "corrupt data: " + av_error_text(err));
      const State state = on_frame(*frame_);
      av_frame_unref(frame_.get());
      if (state != State::more) return state;
    }
  }

  State on_frame(const AVFrame& frame) {
    if (frame.flags & AV_FRAME_FLAG_CORRUPT)
      fail(path_, fmt::format("corrupt data{}", where(frame.pts)));
    check_stream(path_, frame.sample_rate, frame.ch_layout.nb_channels);
    if (!have_first_frame_) {
      have_first_frame_ = true;
      // The first frame fixes the output's rate and layout; a later change is converted to them.
      out_->sample_rate = frame.sample_rate;
      out_->channels = frame.ch_layout.nb_channels;
      if (!out_layout_.assign(frame.ch_layout)) fail(path_, "out of memory");
      start_ = seconds_to_frames(offset_, out_->sample_rate);
      end_ = duration_ < 0 ? std::numeric_limits<int64_t>::max()
                           : start_ + seconds_to_frames(duration_, out_->sample_rate);
      if (end_ <= start_) fail(path_, fmt::format("duration {} s selects no samples", duration_));
      if (seek_) {
        const int64_t pts = frame.pts != AV_NOPTS_VALUE ? frame.pts : frame.best_effort_timestamp;
        if (pts == AV_NOPTS_VALUE || !fine_timestamps(out_->sample_rate)) return State::unusable_seek;
        pos_ = av_rescale_q(pts - origin_, input_.stream()->time_base, AVRational{1, out_->sample_rate});
        if (pos_ < 0 || pos_ > start_) return State::unusable_seek;
      }
    }
    configure_resampler(frame);

    const int capacity = swr_get_out_samples(swr_.get(), frame.nb_samples);
    if (capacity < 0) fail(path_, "resampler error: " + av_error_text(capacity));
    buffer_.resize(static_cast<size_t>(capacity) * out_->channels);
    uint8_t* planes[1] = {reinterpret_cast<uint8_t*>(buffer_.data())};
    const int got = swr_convert(swr_.get(), planes, capacity, const_cast<const uint8_t**>(frame.extended_data),
                                frame.nb_samples);
    if (got < 0) fail(path_, "cannot convert samples: " + av_error_text(got));
    return keep(got);
  }

  // (Re)creates the converter when the decoder's sample format, rate or layout differs from the last frame's.
  void configure_resampler(const AVFrame& frame) {
    if (swr_ && frame.format == in_format_ && frame.sample_rate == in_rate_ && in_layout_.equals(frame.ch_layout))
      return;
    if (swr_) drain_resampler();
    if (!in_layout_.assign(frame.ch_layout)) fail(path_, "out of memory");
    in_format_ = frame.format;
    in_rate_ = frame.sample_rate;
    SwrContext* raw = nullptr;
    int err = swr_alloc_set_opts2(&raw, out_layout_.get(), AV_SAMPLE_FMT_FLT, out_->sample_rate, in_layout_.get(),
                                  static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0, nullptr);
    swr_.reset(raw);
    if (err >= 0) err = swr_init(swr_.get());
    if (err < 0) fail(path_, "cannot set up sample conversion: " + av_error_text(err));
  }

  void drain_resampler() {
    if (!swr_) return;
    for (;;) {
      const int capacity = swr_get_out_samples(swr_.get(), 0);
      if (capacity <= 0) return;
      buffer_.resize(static_cast<size_t>(capacity) * out_->channels);
      uint8_t* planes[1] = {reinterpret_cast<uint8_t*>(buffer_.data())};
      const int got = swr_convert(swr_.get(), planes, capacity, nullptr, 0);
      if (got < 0) fail(path_, "cannot convert samples: " + av_error_text(got));
      if (got == 0 || keep(got) != State::more) return;
    }
  }

  // Appends the part of buffer_'s `frames` frames, at positions [pos_, pos_ + frames), that lies in the span.
  State keep(int frames) {
    const int64_t first = std::max(pos_, start_);
    const int64_t last = std::min(pos_ + frames, end_);
    if (last > first) {
      const auto begin = buffer_.begin() + (first - pos_) * out_->channels;
      out_->samples.insert(out_->samples.end(), begin, begin + (last - first) * out_->channels);
    }
    pos_ += frames;
    return pos_ >= end_ ? State::done : State::more;
  }

  const std::string& path_;
  const double offset_;
  const double duration_;
  const bool seek_;

  Input input_;
  CodecPtr codec_;
  FramePtr frame_;
  SwrPtr swr_;
  int in_format_ = -1;
  int in_rate_ = 0;
  ChannelLayout in_layout_;
  ChannelLayout out_layout_;
  std::vector<float> buffer_;

  Audio* out_ = nullptr;
  int64_t origin_ = 0;  // the stream's start, in its time base: position 0
  bool have_first_frame_ = false;
  int64_t pos_ = 0;    // output frame position of the next converted sample
  int64_t start_ = 0;  // first frame to keep
  int64_t end_ = 0;    // one past the last frame to keep
};

}  // namespace

bool ffmpeg_available() { return true; }

AudioInfo ffmpeg_probe(const std::string& path) {
  const Input input = open_input(path);
  const AVStream* stream = input.stream();
  const AVCodecParameters* par = stream->codecpar;
  check_stream(path, par->sample_rate, par->ch_layout.nb_channels);

  AudioInfo info;
  info.sample_rate = par->sample_rate;
  info.channels = par->ch_layout.nb_channels;
  info.frames = declared_frames(input, par->sample_rate, true);
  if (info.frames == 0) fail(path, "zero length (no samples)");
  info.format = fmt::format("{} / {}", input.format->iformat->name, avcodec_get_name(par->codec_id));
  return info;
}

Audio ffmpeg_decode(const std::string& path, double offset, double duration) {
  if (!std::isfinite(offset) || offset < 0)
    fail(path, fmt::format("offset must be a finite number of seconds >= 0, got {}", offset));
  if (!std::isfinite(duration)) fail(path, fmt::format("duration must be finite, got {}", duration));
  Audio audio;
  if (offset > kSeekThreshold && SpanDecoder(path, offset, duration, true).run(audio)) return audio;
  SpanDecoder(path, offset, duration, false).run(audio);
  return audio;
}

}  // namespace mgc::audio

package org.emoflow.model.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over anything that opens as a seekable channel (a local path, a Beam
 * file), without Hadoop's file systems.
 */
public final class ChannelInputFile implements InputFile {
  /** Opens a fresh channel positioned at 0. */
  public interface Opener {
    SeekableByteChannel open() throws IOException;
  }

  private final Opener opener;
  private final String name;

  public ChannelInputFile(Opener opener, String name) {
    this.opener = opener;
    this.name = name;
  }

  public static ChannelInputFile local(Path path) {
    return new ChannelInputFile(() -> FileChannel.open(path, StandardOpenOption.READ), path.toString());
  }

  @Override
  public long getLength() throws IOException {
    try (SeekableByteChannel channel = opener.open()) {
      return channel.size();
    }
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    return new ChannelStream(opener.open());
  }

  @Override
  public String toString() {
    return name;
  }

  private static final class ChannelStream extends SeekableInputStream {
    private final SeekableByteChannel channel;

    ChannelStream(SeekableByteChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read() throws IOException {
      ByteBuffer one = ByteBuffer.allocate(1);
      return channel.read(one) <= 0 ? -1 : one.get(0) & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      return channel.read(ByteBuffer.wrap(bytes, offset, length));
    }

    @Override
    public long getPos() throws IOException {
      return channel.position();
    }

    @Override
    public void seek(long position) throws IOException {
      channel.position(position);
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(ByteBuffer.wrap(bytes));
    }

    @Override
    public void readFully(byte[] bytes, int offset, int length) throws IOException {
      readFully(ByteBuffer.wrap(bytes, offset, length));
    }

    @Override
    public int read(ByteBuffer buffer) throws IOException {
      return channel.read(buffer);
    }

    @Override
    public void readFully(ByteBuffer buffer) throws IOException {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer) < 0) {
          throw new EOFException("unexpected end of file at byte " + channel.position());
        }
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}

package org.emoflow.model.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} over any stream that can be opened for writing: Parquet only needs to
 * know how many bytes it has written, which is counted here, so no Hadoop file system is involved.
 */
public abstract class StreamOutputFile implements OutputFile {

  /** Opens the file for writing from its start; {@code overwrite} false must fail if it exists. */
  protected abstract OutputStream open(boolean overwrite) throws IOException;

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    return counting(open(false));
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    return counting(open(true));
  }

  private static PositionOutputStream counting(OutputStream stream) {
    OutputStream out = new BufferedOutputStream(stream, 1 << 16);
    return new PositionOutputStream() {
      private long position;

      @Override
      public long getPos() {
        return position;
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
        position++;
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        position += length;
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }

  @Override
  public boolean supportsBlockSize() {
    return false;
  }

  @Override
  public long defaultBlockSize() {
    return 0;
  }
}

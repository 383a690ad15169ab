package org.emoflow.transforms.io;

import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.emoflow.model.io.AvroModel;

/** Avro-typed records to part-*.parquet files in a directory, through Beam's FileIO (temporary files renamed into place). */
public final class ParquetWrite {
  private static final int ROW_GROUP_BYTES = 16 << 20;

  private ParquetWrite() {}

  public static <T extends SpecificRecord> FileIO.Write<Void, T> of(Class<T> type, String directory) {
    org.apache.avro.Schema schema = SpecificData.getForClass(type).getSchema(type);
    return FileIO.<T>write()
        .via(Contextful.fn(row -> (GenericRecord) row),
            ParquetIO.sink(schema).withAvroDataModel(AvroModel.get()).withRowGroupSize(ROW_GROUP_BYTES))
        .to(directory)
        .withPrefix("part")
        .withSuffix(".parquet");
  }
}

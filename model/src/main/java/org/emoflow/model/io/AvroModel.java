package org.emoflow.model.io;

import org.apache.avro.data.TimeConversions;
import org.apache.avro.specific.SpecificData;

/**
 * The Avro data model of emoflow's Parquet files: specific records, with the logical types the schemas use
 * converted both ways (a {@code timestamp-millis} column is an {@link java.time.Instant} in the generated
 * class; {@link SpecificData#get()} converts none). A subclass with its own {@code get()}, because Beam's
 * ParquetIO takes a data model by class and calls {@code get()} on it in each worker.
 */
public final class AvroModel extends SpecificData {
  private static final AvroModel INSTANCE = new AvroModel();

  private AvroModel() {
    addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
  }

  public static AvroModel get() {
    return INSTANCE;
  }
}

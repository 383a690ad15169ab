package org.emoflow.transforms.prepare;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Exact counts for the manifest, as named counters summed by the pipeline itself (Beam metrics may
 * count retried bundles twice). Names: {@code read}, {@code packed}, {@code rejected}, {@code
 * blank_lines}, {@code reason:R}, {@code domain.FIELD:D}, {@code split.FIELD:S}, and {@code
 * no_documents:PATH} (the records of an input file that gave no usable document). Counted per read
 * group or per bucket before being emitted, so there is one element per name per unit of work.
 */
public final class Tallies {
  public static final TupleTag<KV<String, Long>> TAG = new TupleTag<>("tallies") {};

  private final Map<String, Long> counts = new TreeMap<>();

  /** Every record read counts once, under its domain ("unknown" where it could not be read). */
  public void addRead(String domain) {
    add("read", 1);
    add("domain.read:" + label(domain), 1);
  }

  /** A record read earlier (see {@link #addRead}) that will not be packed, and why. */
  public void addRejection(String domain, String reason) {
    add("rejected", 1);
    add("reason:" + reason, 1);
    add("domain.rejected:" + label(domain), 1);
  }

  private static String label(String domain) {
    return domain == null ? org.emoflow.transforms.io.FieldNames.UNKNOWN_DOMAIN : domain;
  }

  public void add(String name, long amount) {
    counts.merge(name, amount, Long::sum);
  }

  public void emit(DoFn<?, ?>.ProcessContext context) {
    counts.forEach((name, count) -> context.output(TAG, KV.of(name, count)));
    counts.clear();
  }

  public void emit(DoFn.MultiOutputReceiver out) {
    counts.forEach((name, count) -> out.get(TAG).output(KV.of(name, count)));
    counts.clear();
  }
}

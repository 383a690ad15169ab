package org.emoflow.transforms.prepare;

import java.io.Serializable;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Per domain: does the hash split leave it without any validation document? Then its document with the
 * smallest hash (ties broken by location) is held out instead, so every domain with at least two
 * documents is evaluated. The result is the location of that document, or "" where none is needed.
 */
final class DomainHoldout extends Combine.CombineFn<DomainHoldout.Candidate, DomainHoldout.Accumulator, String> {
  /** One document's split facts. */
  record Candidate(long hash, String location, boolean validation) implements Serializable {}

  static final class Accumulator implements Serializable {
    long documents;
    long validation;
    long minHash = Long.MAX_VALUE;
    String minLocation = "";

    void add(long hash, String location) {
      if (minLocation.isEmpty() || hash < minHash || (hash == minHash && location.compareTo(minLocation) < 0)) {
        minHash = hash;
        minLocation = location;
      }
    }
  }

  @Override
  public Accumulator createAccumulator() {
    return new Accumulator();
  }

  @Override
  public Accumulator addInput(Accumulator accumulator, Candidate candidate) {
    accumulator.documents++;
    accumulator.validation += candidate.validation() ? 1 : 0;
    accumulator.add(candidate.hash(), candidate.location());
    return accumulator;
  }

  @Override
  public Accumulator mergeAccumulators(Iterable<Accumulator> accumulators) {
    Accumulator merged = new Accumulator();
    for (Accumulator a : accumulators) {
      merged.documents += a.documents;
      merged.validation += a.validation;
      if (!a.minLocation.isEmpty()) {
        merged.add(a.minHash, a.minLocation);
      }
    }
    return merged;
  }

  @Override
  public String extractOutput(Accumulator accumulator) {
    return accumulator.validation == 0 && accumulator.documents >= 2 ? accumulator.minLocation : "";
  }
}

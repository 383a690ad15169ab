package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model's trainable tensors by name (the names are the checkpoint's tensor names). Initialisation
 * reseeds the engine per tensor from (seed, name), so a tensor's initial values do not depend on the
 * order in which tensors are created. Built over a {@link WeightSource}, every tensor is read from it
 * instead, and none is initialised.
 */
public final class Parameters {
  /** A named tensor; {@code decay} says whether AdamW's weight decay applies (not to embeddings, norms). */
  public record Parameter(String name, NDArray array, boolean decay) {}

  private final NDManager manager;
  private final long seed;
  private final WeightSource source;
  private final Map<String, Parameter> byName = new LinkedHashMap<>();

  public Parameters(NDManager manager, long seed) {
    this.manager = manager;
    this.seed = seed;
    this.source = null;
  }

  public Parameters(NDManager manager, WeightSource source) {
    this.manager = manager;
    this.seed = 0;
    this.source = source;
  }

  public NDManager manager() {
    return manager;
  }

  public NDArray normal(String name, Shape shape, double std, boolean decay) {
    if (source != null) {
      return add(name, load(name, shape), decay);
    }
    manager.getEngine().setRandomSeed(seedFor(name));
    return add(name, manager.randomNormal(0f, (float) std, shape, ai.djl.ndarray.types.DataType.FLOAT32), decay);
  }

  public NDArray ones(String name, Shape shape) {
    return add(name, source != null ? load(name, shape) : manager.ones(shape), false);
  }

  private NDArray load(String name, Shape shape) {
    try {
      return source.load(name, shape, manager);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private NDArray add(String name, NDArray array, boolean decay) {
    if (byName.containsKey(name)) {
      throw new IllegalStateException("parameter defined twice: " + name);
    }
    array.setName(name);
    array.setRequiresGradient(true);
    byName.put(name, new Parameter(name, array, decay));
    return array;
  }

  private int seedFor(String name) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ b) * 0x100000001B3L;
    }
    return (int) (h ^ (h >>> 32)) & Integer.MAX_VALUE;
  }

  public NDArray get(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return p.array();
  }

  public Collection<Parameter> all() {
    return Collections.unmodifiableCollection(byName.values());
  }

  public long count() {
    return byName.values().stream().mapToLong(p -> p.array().size()).sum();
  }
}

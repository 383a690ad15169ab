package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Per layer, the keys (after rotary) and values of every token a batch of rows has seen, [B, H, C, head
 * dim], so that a decoding step computes attention for its new tokens only. The tensors live in the
 * cache's own manager and carry no autograd history; closing the cache frees them.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final Layer[] layers;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.layers = new Layer[layers];
    for (int l = 0; l < layers; l++) {
      this.layers[l] = new Layer();
    }
  }

  public Layer layer(int index) {
    return layers[index];
  }

  /** C: the columns cached so far (every row has the same, padding included). */
  public long length() {
    NDArray keys = layers[0].keys;
    return keys == null ? 0 : keys.getShape().get(2);
  }

  @Override
  public void close() {
    manager.close();
  }

  /** One layer's keys and values. */
  public final class Layer {
    private NDArray keys;
    private NDArray values;

    /** Appends the new tokens' keys and values ([B, H, L, head dim]); returns all of them, cached first. */
    NDList extend(NDArray newKeys, NDArray newValues) {
      keys = joined(keys, newKeys);
      values = joined(values, newValues);
      return new NDList(keys, values);
    }

    private NDArray joined(NDArray cached, NDArray fresh) {
      NDArray detached = fresh.stopGradient();
      NDArray all = cached == null ? detached : NDArrays.concat(new NDList(cached, detached), 2);
      all.attach(manager);
      if (cached != null) {
        cached.close();
      }
      return all;
    }
  }
}

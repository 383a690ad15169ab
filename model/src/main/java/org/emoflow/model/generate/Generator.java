package org.emoflow.model.generate;

import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.nn.ExpertRestriction;
import org.emoflow.model.nn.LanguageModel;

/**
 * Autoregressive generation for a batch of prompts, each one document: choose each row's next token
 * ({@link Sampling}), stop a row at EOS, at a stop condition or at its length limit, and feed the chosen
 * tokens back until every row has stopped.
 */
public final class Generator {
  /** Whether a row's tokens so far end its text (e.g. its decoded text holds a stop string). */
  public interface StopCondition {
    boolean reached(int[] generated);
  }

  /**
   * @param maxNewTokens at most this many tokens per prompt; a row also stops when prompt + generated
   *     tokens fill the model's seq_len
   * @param eosId the end-of-document token: ends a row, and is not part of its tokens
   * @param vocabulary tokens are drawn from ids below this (the tokenizer's vocabulary; the model's
   *     embedding rows are padded beyond it)
   * @param stop null, or a condition checked after every token
   */
  public record Settings(int maxNewTokens, Sampling sampling, int eosId, int vocabulary, StopCondition stop) {
    public Settings {
      if (maxNewTokens < 1) {
        throw new IllegalArgumentException("max_new_tokens must be positive, got " + maxNewTokens);
      }
    }
  }

  private Generator() {}

  /**
   * Generates for every prompt with a KV cache.
   *
   * @param restriction kept experts per layer, or null for the full model
   * @param firstPromptIndex the index of the first prompt among all prompts: seeds each prompt's draws
   */
  public static List<Generation> generate(LanguageModel model, ExpertRestriction restriction, List<int[]> prompts,
      long firstPromptIndex, Settings settings) {
    checkFits(prompts, model.config().seqLen());
    try (Decoder decoder = new CachedDecoder(model, restriction, prompts)) {
      return run(decoder, prompts, firstPromptIndex, settings, model.config().seqLen());
    }
  }

  /** Prompts leave room for at least one new token in rows of {@code seqLen}. */
  public static void checkFits(List<int[]> prompts, int seqLen) {
    for (int i = 0; i < prompts.size(); i++) {
      int length = prompts.get(i).length;
      if (length == 0 || length >= seqLen) {
        throw new IllegalArgumentException("prompt " + i + " has " + length + " tokens; the model takes 1 to "
            + (seqLen - 1) + " (seq_len " + seqLen + ", one position left to generate)");
      }
    }
  }

  /** The generation loop over any decoder whose rows hold {@code prompts}. */
  public static List<Generation> run(Decoder decoder, List<int[]> prompts, long firstPromptIndex, Settings settings,
      int seqLen) {
    int rows = decoder.rows();
    Sampler[] samplers = new Sampler[rows];
    int[] limit = new int[rows];
    for (int row = 0; row < rows; row++) {
      samplers[row] = Sampler.forPrompt(settings.sampling(), firstPromptIndex + row);
      limit[row] = Math.min(settings.maxNewTokens(), seqLen - prompts.get(row).length);
    }
    List<List<Integer>> generated = new ArrayList<>();
    Generation.StopReason[] reasons = new Generation.StopReason[rows];
    for (int row = 0; row < rows; row++) {
      generated.add(new ArrayList<>());
    }
    int active = rows;
    while (true) {
      float[][] logits = decoder.logits();
      int[] next = new int[rows];
      for (int row = 0; row < rows; row++) {
        if (reasons[row] != null) {
          next[row] = 0; // a stopped row goes on with any valid token, computed and thrown away
          continue;
        }
        int token = samplers[row].next(logits[row], settings.vocabulary());
        next[row] = token;
        if (token == settings.eosId()) {
          reasons[row] = Generation.StopReason.EOS;
        } else {
          generated.get(row).add(token);
          if (settings.stop() != null && settings.stop().reached(toArray(generated.get(row)))) {
            reasons[row] = Generation.StopReason.STOP;
          } else if (generated.get(row).size() >= limit[row]) {
            reasons[row] = Generation.StopReason.LENGTH;
          }
        }
        active -= reasons[row] != null ? 1 : 0;
      }
      if (active == 0) {
        break;
      }
      decoder.append(next);
    }
    List<Generation> out = new ArrayList<>();
    for (int row = 0; row < rows; row++) {
      out.add(new Generation(toArray(generated.get(row)), reasons[row]));
    }
    return out;
  }

  private static int[] toArray(List<Integer> tokens) {
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }
}

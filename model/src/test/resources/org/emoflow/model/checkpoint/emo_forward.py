"""An independent numpy forward pass of a Hugging Face EmoForCausalLM directory, written from the reference
modeling code's semantics (not from emoflow's): one document, positions 0..n-1, causal attention, the routed
softmax over mlp.gate's first E - S rows, top-(num_experts_per_tok - S) with plain softmax weights, the S shared
experts (the last rows) weighted by a softmax over their own logits. Prints the logits, row-major.

usage: python3 emo_forward.py DIR TOKEN,TOKEN,...
"""
import json
import os
import struct
import sys

import numpy as np


def load(directory):
    index = os.path.join(directory, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    weights = {}
    for name in files:
        raw = open(os.path.join(directory, name), "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        for key, entry in json.loads(raw[8:8 + n]).items():
            if key == "__metadata__":
                continue
            begin, end = entry["data_offsets"]
            data = raw[8 + n + begin:8 + n + end]
            if entry["dtype"] == "F32":
                array = np.frombuffer(data, "<f4")
            elif entry["dtype"] == "BF16":
                array = (np.frombuffer(data, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                array = np.frombuffer(data, "<f2")
            weights[key] = array.reshape(entry["shape"]).astype(np.float64)
    return weights


def main():
    directory, tokens = sys.argv[1], [int(t) for t in sys.argv[2].split(",")]
    config = json.load(open(os.path.join(directory, "config.json")))
    w = load(directory)
    width, heads = config["hidden_size"], config["num_attention_heads"]
    head_dim = width // heads
    eps, theta = config["rms_norm_eps"], config["rope_theta"]
    experts, shared = config["num_experts"], config["num_shared_experts"]
    top_k = config["num_experts_per_tok"] - shared
    n = len(tokens)

    def rms(x, weight):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight

    def rotate_half(t):
        return np.concatenate([-t[..., head_dim // 2:], t[..., :head_dim // 2]], -1)

    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    frequencies = theta ** (-np.arange(0, head_dim, 2) / head_dim)
    angles = np.arange(n)[:, None] * frequencies[None, :]
    angles = np.concatenate([angles, angles], -1)
    cos, sin = np.cos(angles), np.sin(angles)

    x = w["model.embed_tokens.weight"][tokens]
    for layer in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        h = rms(x, w[p + "pre_attention_layernorm.weight"])
        q, k, v = ((h @ w[p + "self_attn.%s_proj.weight" % m].T).reshape(n, heads, head_dim).transpose(1, 0, 2)
                   for m in "qkv")
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim) + np.triu(np.full((n, n), -np.inf), 1)
        attended = (softmax(scores) @ v).transpose(1, 0, 2).reshape(n, width)
        x = x + attended @ w[p + "self_attn.o_proj.weight"].T

        h = rms(x, w[p + "pre_feedforward_layernorm.weight"])
        logits = h @ w[p + "mlp.gate.weight"].T
        routed = softmax(logits[:, :experts - shared])
        shared_weights = softmax(logits[:, experts - shared:])

        def expert(e, t):
            prefix = p + "mlp.experts.%d." % e
            g = t @ w[prefix + "gate_proj.weight"].T
            u = t @ w[prefix + "up_proj.weight"].T
            return (g / (1 + np.exp(-g)) * u) @ w[prefix + "down_proj.weight"].T

        out = np.zeros_like(h)
        for t in range(n):
            for e in np.argsort(-routed[t], kind="stable")[:top_k]:
                out[t] += routed[t, e] * expert(e, h[t])
            for s in range(shared):
                out[t] += shared_weights[t, s] * expert(experts - shared + s, h[t])
        x = x + out
    logits = rms(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
    print(" ".join(repr(float(v)) for v in logits.ravel()))


main()

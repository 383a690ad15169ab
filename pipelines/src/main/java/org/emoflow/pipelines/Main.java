package org.emoflow.pipelines;

public final class Main {
  public static void main(String[] args) {
    System.out.println("emoflow");
  }
}

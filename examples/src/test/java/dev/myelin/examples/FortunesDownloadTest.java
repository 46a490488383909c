package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.trainer.data.TextCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fortune files, as the examples and the command line find them: from the system folder or the cache, fetched
 * with apt-get when neither has them (the first run on a machine downloads 0.8 MB). The corpus is the package's 40
 * English fortune files, 2,478,275 bytes (fortunes 1:1.99.1-7.3).
 */
class FortunesDownloadTest {

    @TempDir
    Path dir;

    @Test
    void theCorpusIsTheFortuneFilesWithoutTheirIndices() throws IOException {
        Path folder = FortunesDownload.locate(System.err::println);
        assertTrue(FortunesDownload.present(folder));
        TextCorpus text = TextCorpus.read(folder);
        assertEquals(40, text.files().size(), text.files().toString());
        assertEquals(2_478_275, text.length());
        assertTrue(text.files().stream().noneMatch(f -> f.toString().endsWith(".dat") || f.toString().endsWith(".u8")));
    }

    @Test
    void aFolderWithoutTheMarkedFilesIsNotTheCorpus() throws IOException {
        assertFalse(FortunesDownload.present(dir));
        for (String f : FortunesDownload.MARKS) {
            Files.writeString(dir.resolve(f), "%\n");
        }
        assertTrue(FortunesDownload.present(dir));
        Files.writeString(dir.resolve(FortunesDownload.MARKS.get(2)), "");
        assertFalse(FortunesDownload.present(dir), "an empty file is not a fortune file");
    }
}

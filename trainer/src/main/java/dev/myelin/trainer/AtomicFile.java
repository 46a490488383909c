package dev.myelin.trainer;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file all or nothing: into a temporary file in the same folder, flushed to disk, then renamed
 * over the target with {@link StandardCopyOption#ATOMIC_MOVE}. A crash or an exception at any point
 * leaves either the previous file or the complete new one, never a partial file. The temporary file has a
 * fixed name, {@code .<name>.tmp} beside the target: an exception deletes it, and one left by a crash (a
 * killed JVM, a power cut) is overwritten and renamed away by the next write of the same target.
 */
public final class AtomicFile {

    /** Writes the content to a stream. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the file's content.
         *
         * @param out the stream to the temporary file, buffered; {@link AtomicFile#write} flushes and closes it
         * @throws IOException if writing fails; the target is left as it was
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * The temporary file a write of {@code target} goes through: {@code .<name>.tmp} in the same folder.
     *
     * @param target the file to write
     * @return the temporary file beside it
     */
    public static Path temporary(Path target) {
        Path abs = target.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".tmp");
    }

    /**
     * Writes {@code target} all or nothing with what {@code content} writes.
     *
     * @param target  the file to write; its folder must exist
     * @param content writes the new content
     * @throws IOException if the folder does not exist, or writing, syncing or renaming fails; the target is then as
     *                     it was
     */
    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException(target + ": the folder " + dir + " does not exist");
        }
        // Not Files.createTempFile: it makes the file owner-only (0600), and the result should have the
        // permissions any new file gets here; and its random name would leave a crash's leftover for good.
        Path tmp = temporary(abs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);                  // the bytes are on disk before the name points at them
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);          // the first failure is the one to report
            }
            throw e;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);                       // and the rename itself survives a power cut
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}

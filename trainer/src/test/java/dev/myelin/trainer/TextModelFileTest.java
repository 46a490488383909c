package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.trainer.data.InvalidDataException;
import dev.myelin.trainer.data.TextCorpus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A byte-level text model records its tokenization in the model file's optional section "tokens": the name
 * ("bytes") and the vocabulary (256); files without it load as models without a tokenization, as before.
 */
class TextModelFileTest {

    private static Model byteModel() {
        return Model.of(Backends.reference(), Shape.of(4), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Embedding(256, 8),
                Dense.perPosition(256, Init.GPT2));
    }

    @Test
    void theTokenizationIsAnOptionalSectionAndOlderFilesStillLoad() throws IOException {
        try (Model m = byteModel()) {
            byte[] plain = m.toBytes();
            try (Model back = Model.fromBytes(plain, "plain", Backends.reference())) {
                assertEquals(Optional.empty(), back.tokens());
                assertEquals(Optional.empty(), ModelFile.decode(plain, Path.of("plain")).tokens());
            }
            m.tokens(TextCorpus.TOKENS);
            byte[] text = m.toBytes();
            // the section's name, the tokenization's name, the vocabulary
            assertEquals(plain.length + (2 + "tokens".length()) + (2 + "bytes".length()) + 4, text.length);
            int body = plain.length - Framing.TRAILER;
            assertArrayEquals(Arrays.copyOfRange(plain, Framing.HEADER, body), Arrays.copyOfRange(text, Framing.HEADER, body),
                    "the section is appended; every byte of the body before it is as before");
            assertEquals(Optional.of("bytes"), ModelFile.decode(text, Path.of("text")).tokens());
            try (Model back = Model.fromBytes(text, "text", Backends.reference())) {
                assertEquals(Optional.of("bytes"), back.tokens());
                assertArrayEquals(text, back.toBytes());
            }
            byte[] wrongVocabulary = Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
                out.write(plain, Framing.HEADER, body - Framing.HEADER);
                out.writeUTF("tokens");
                out.writeUTF("bytes");
                out.writeInt(255);
            });
            String e = assertThrows(InvalidDataException.class, () -> Model.fromBytes(wrongVocabulary, "v.model",
                    Backends.reference())).getMessage();
            assertEquals("v.model: malformed section 'tokens': byte tokens have a vocabulary of 256, the file says 255", e);
            byte[] unknown = Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
                out.write(plain, Framing.HEADER, body - Framing.HEADER);
                out.writeUTF("tokens");
                out.writeUTF("words");
                out.writeInt(256);
            });
            e = assertThrows(InvalidDataException.class, () -> Model.fromBytes(unknown, "w.model", Backends.reference()))
                    .getMessage();
            assertEquals("w.model: malformed section 'tokens': unknown tokenization 'words'; known: bytes", e);
        }
    }

    @Test
    void onlyAModelFromTokenIdsTo256ClassesTakesByteTokens() {
        try (Model m = Model.of(Backends.reference(), Shape.of(4), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Embedding(256, 8),
                Dense.perPosition(10, Init.GPT2))) {
            assertEquals("byte tokens need a model from token ids (T) to softmax cross-entropy over 256 classes; this one "
                    + "takes (4) to 10 classes by softmax_cross_entropy", assertThrows(IllegalArgumentException.class,
                    () -> m.tokens("bytes")).getMessage());
            assertEquals("unknown tokenization 'chars'; known: bytes", assertThrows(IllegalArgumentException.class,
                    () -> m.tokens("chars")).getMessage());
            assertTrue(m.tokens().isEmpty());
        }
    }
}

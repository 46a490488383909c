package dev.myelin.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code metadata_props} keys Myelin writes, and the one value syntax they need beyond plain text: a JSON array of
 * strings (class and feature names may hold any character, commas included).
 */
final class Metadata {

    /** Myelin's input shape, in its memory order, comma-separated: {@code 28,28,1}. */
    static final String INPUT_SHAPE = "myelin.input_shape";
    /** {@code NCHW} when the graph takes images channels-first, {@code as-is} when in Myelin's order. */
    static final String INPUT_LAYOUT = "myelin.input_layout";
    /** The loss's id ({@code softmax_cross_entropy}, {@code bce_with_logits}, {@code mse}). */
    static final String LOSS = "myelin.loss";
    /** The class names, a JSON array of strings. */
    static final String CLASS_NAMES = "myelin.class_names";
    /** The feature names, a JSON array of strings. */
    static final String FEATURE_NAMES = "myelin.feature_names";

    private Metadata() {
    }

    /** {@code ["a","b"]}, with JSON's escapes. */
    static String toJson(List<String> strings) {
        StringBuilder sb = new StringBuilder("[");
        for (String s : strings) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            sb.append('"');
        }
        return sb.append(']').toString();
    }

    /**
     * The strings of a JSON array of strings (whitespace between tokens allowed).
     *
     * @throws IllegalArgumentException naming the position, if {@code json} is anything else
     */
    static List<String> fromJson(String json) {
        List<String> out = new ArrayList<>();
        int[] pos = {0};
        skip(json, pos);
        expect(json, pos, '[');
        skip(json, pos);
        if (pos[0] < json.length() && json.charAt(pos[0]) == ']') {
            pos[0]++;
        } else {
            while (true) {
                skip(json, pos);
                out.add(string(json, pos));
                skip(json, pos);
                if (pos[0] < json.length() && json.charAt(pos[0]) == ',') {
                    pos[0]++;
                    continue;
                }
                expect(json, pos, ']');
                break;
            }
        }
        skip(json, pos);
        if (pos[0] != json.length()) {
            throw new IllegalArgumentException("not a JSON array of strings: text after the array at position " + pos[0]);
        }
        return out;
    }

    private static String string(String s, int[] pos) {
        expect(s, pos, '"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos[0] >= s.length()) {
                throw new IllegalArgumentException("not a JSON array of strings: an unterminated string");
            }
            char ch = s.charAt(pos[0]++);
            if (ch == '"') {
                return sb.toString();
            }
            if (ch != '\\') {
                sb.append(ch);
                continue;
            }
            if (pos[0] >= s.length()) {
                throw new IllegalArgumentException("not a JSON array of strings: an unterminated escape");
            }
            char e = s.charAt(pos[0]++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    if (pos[0] + 4 > s.length()) {
                        throw new IllegalArgumentException("not a JSON array of strings: a short \\u escape");
                    }
                    try {
                        sb.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("not a JSON array of strings: a bad \\u escape at position " + pos[0]);
                    }
                    pos[0] += 4;
                }
                default -> throw new IllegalArgumentException("not a JSON array of strings: the escape \\" + e);
            }
        }
    }

    private static void skip(String s, int[] pos) {
        while (pos[0] < s.length() && Character.isWhitespace(s.charAt(pos[0]))) {
            pos[0]++;
        }
    }

    private static void expect(String s, int[] pos, char c) {
        if (pos[0] >= s.length() || s.charAt(pos[0]) != c) {
            throw new IllegalArgumentException("not a JSON array of strings: expected '" + c + "' at position " + pos[0]);
        }
        pos[0]++;
    }
}

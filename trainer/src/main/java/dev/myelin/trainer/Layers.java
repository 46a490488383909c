package dev.myelin.trainer;

import java.util.Locale;
import java.util.Map;

/** Builds a layer from the type and settings a model file stores ({@link Layer#type()}, {@link Layer#config()}). */
public final class Layers {

    private Layers() {
    }

    /** A new layer of {@code type} with {@code config}; an unknown type or a bad setting names itself. */
    public static Layer create(String type, Map<String, String> config) {
        return switch (type) {
            case "dense" -> Dense.of(config);
            case "flatten" -> new Flatten();
            case "dropout" -> Dropout.of(config);
            case "standardize" -> Standardize.of(config);
            case "identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu" -> Activation.of(type, config);
            default -> throw new IllegalArgumentException("unknown layer type '" + type + "'");
        };
    }

    /** Throws unless this is the first {@code build} of {@code layer} ({@code built} says whether it was built before). */
    static void once(boolean built, Layer layer) {
        if (built) {
            throw new IllegalStateException(layer + " already belongs to a model; each model needs layer instances of its own");
        }
    }

    static String value(Map<String, String> config, String key) {
        String v = config.get(key);
        if (v == null) {
            throw new IllegalArgumentException("the layer setting '" + key + "' is missing (settings: " + config + ")");
        }
        return v;
    }

    static int intValue(Map<String, String> config, String key) {
        String v = value(config, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not an integer");
        }
    }

    static float floatValue(Map<String, String> config, String key) {
        String v = value(config, key);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not a number");
        }
    }

    static <E extends Enum<E>> E enumValue(Map<String, String> config, String key, Class<E> type) {
        String v = value(config, key);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}

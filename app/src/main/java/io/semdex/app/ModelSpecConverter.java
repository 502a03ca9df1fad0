package io.semdex.app;

import io.semdex.embed.EmbedderSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a {@code --model} value (or {@code --also}'s) into an {@link EmbedderSpec}: the one place
 * the commands parse a spec, so a bad one is refused with the command's usage before anything
 * starts, in {@link EmbedderSpec#parse}'s words (the bad key or value, the known presets).
 *
 * <pre>{@code
 * @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT)
 * EmbedderSpec model;
 * }</pre>
 *
 * <p>Each option names it, rather than one registration on {@code semdex}'s command line, so that
 * every way of building a command line converts alike: {@code semdex} itself, a subcommand alone,
 * and the cluster checks that parse a container's arguments.
 */
public final class ModelSpecConverter implements ITypeConverter<EmbedderSpec> {

    @Override
    public EmbedderSpec convert(String value) {
        try {
            return EmbedderSpec.parse(value);
        } catch (IllegalArgumentException e) {
            // picocli puts the option's name before this message and the usage after it.
            throw new TypeConversionException(e.getMessage());
        }
    }
}

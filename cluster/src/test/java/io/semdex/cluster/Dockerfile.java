package io.semdex.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import io.semdex.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of one of the repository's Dockerfiles that the image tests check: what it is
 * built from, what it copies where, and how it runs. Only what these Dockerfiles use is understood
 * (line continuations, ARG defaults in FROM, COPY with --chown/--chmod, JSON-form ENTRYPOINT and
 * CMD); anything else fails the parse, so a new instruction cannot slip past the tests unread.
 */
record Dockerfile(Path file, String from, List<Copy> copies, String user, List<Integer> exposed, Map<String, String> env,
        List<String> entrypoint, List<String> cmd, String workdir) {

    /** {@code COPY [--chown=..] [--chmod=..] SOURCE TARGET}; the source is relative to the repository root. */
    record Copy(String source, String target, String chown) {}

    private static final Pattern INSTRUCTION = Pattern.compile("^([A-Z]+)\\s+(.*)$");
    private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");

    static Dockerfile parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> args = new LinkedHashMap<>();
        String from = null;
        String user = null;
        String workdir = null;
        List<Copy> copies = new ArrayList<>();
        List<Integer> exposed = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        List<String> entrypoint = List.of();
        List<String> cmd = List.of();
        StringBuilder pending = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            String full = pending.append(line).toString().strip();
            pending.setLength(0);
            Matcher m = INSTRUCTION.matcher(full);
            if (!m.matches()) {
                throw new IllegalArgumentException(file + ": cannot read '" + full + "'");
            }
            String rest = m.group(2).strip();
            switch (m.group(1)) {
                case "ARG" -> {
                    String[] kv = rest.split("=", 2);
                    args.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
                case "FROM" -> from = substitute(rest, args);
                case "COPY" -> {
                    String chown = null;
                    List<String> words = new ArrayList<>(List.of(rest.split("\\s+")));
                    while (words.getFirst().startsWith("--")) {
                        String flag = words.removeFirst();
                        if (flag.startsWith("--chown=")) {
                            chown = flag.substring("--chown=".length());
                        } else if (!flag.startsWith("--chmod=")) {
                            throw new IllegalArgumentException(file + ": COPY flag " + flag + " is not understood");
                        }
                    }
                    if (words.size() != 2) {
                        throw new IllegalArgumentException(file + ": COPY with one source and one target expected: " + full);
                    }
                    copies.add(new Copy(words.get(0), words.get(1), chown));
                }
                case "USER" -> user = rest;
                case "WORKDIR" -> workdir = rest;
                case "EXPOSE" -> {
                    for (String port : rest.split("\\s+")) {
                        exposed.add(Integer.parseInt(port.replace("/tcp", "")));
                    }
                }
                case "ENV" -> {
                    Matcher pair = ENV_PAIR.matcher(rest);
                    while (pair.find()) {
                        env.put(pair.group(1), pair.group(2).replaceAll("^\"|\"$", ""));
                    }
                }
                case "ENTRYPOINT" -> entrypoint = jsonArray(file, rest);
                case "CMD" -> cmd = jsonArray(file, rest);
                default -> throw new IllegalArgumentException(file + ": instruction " + m.group(1) + " is not understood by the image tests"
                        + " (a RUN step, for one, could not be reproduced without the base image)");
            }
        }
        return new Dockerfile(file, from, List.copyOf(copies), user, List.copyOf(exposed), env, entrypoint, cmd, workdir);
    }

    private static List<String> jsonArray(Path file, String text) {
        try {
            return Json.MAPPER.readValue(text, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": ENTRYPOINT and CMD must be JSON arrays (exec form): " + text, e);
        }
    }

    private static String substitute(String text, Map<String, String> args) {
        String result = text;
        for (Map.Entry<String, String> arg : args.entrySet()) {
            result = result.replace("${" + arg.getKey() + "}", arg.getValue());
        }
        return result;
    }

    /** The uid the image runs as ({@code USER uid[:gid]}), or -1 when it names none (root). */
    int uid() {
        if (user == null) {
            return -1;
        }
        String name = user.split(":")[0];
        return name.chars().allMatch(Character::isDigit) ? Integer.parseInt(name) : name.equals("root") ? 0 : Integer.MAX_VALUE;
    }
}

package dev.nutjar.server.config;

import java.io.StringReader;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads YAML text into snakeyaml's node tree, which keeps each value's line for the errors, and
 * words snakeyaml's syntax errors with their line and column. Duplicate keys are kept, for the
 * readers to report with both lines.
 */
final class YamlReader {
    /** snakeyaml's context for a second document; twemproxy too requires exactly one. */
    private static final String SINGLE_DOCUMENT_CONTEXT = "expected a single document in the stream";

    private YamlReader() {}

    /**
     * The root node of {@code yaml}, or null when it holds no document.
     *
     * @throws ConfigException when it is not one valid YAML document
     */
    static Node compose(String yaml, String sourceName) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // duplicates are reported by the readers, with both lines
        try {
            return new Yaml(new SafeConstructor(options)).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
            if (SINGLE_DOCUMENT_CONTEXT.equals(e.getContext())) {
                throw new ConfigException(sourceName, List.of(where + sourceName
                        + " must hold exactly one YAML document, but another one starts here"));
            }
            String context = e.getContext() == null ? "" : " (" + e.getContext().strip() + ")";
            String problem = e.getProblem() == null ? e.getMessage() : e.getProblem().strip();
            throw new ConfigException(sourceName,
                    List.of(where + sourceName + " is not valid YAML: " + problem + context));
        } catch (YAMLException e) {
            throw new ConfigException(sourceName, List.of(sourceName + " is not valid YAML: " + e.getMessage()));
        }
    }
}

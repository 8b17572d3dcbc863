package io.rgrid.cli;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@link StoredHelp}'s texts into the classes directory at build time. The compiler runs it
 * in a second compilation of cli/pom.xml (execution {@code stored-help}, after the CLI's classes are
 * compiled, so they are on its class path): an annotation processor is how this offline build runs
 * code of the module before packaging, without a plugin it does not have. It writes through the
 * compiler's Filer, so the texts land in target/classes and the jar.
 */
@SupportedAnnotationTypes("*")
public final class StoredHelpProcessor extends AbstractProcessor {

    private boolean written;

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        if (written) {
            return false;
        }
        written = true;
        Map<String, String> texts = StoredHelpWriter.texts();
        try {
            for (Map.Entry<String, String> text : texts.entrySet()) {
                FileObject file = processingEnv.getFiler().createResource(StandardLocation.CLASS_OUTPUT,
                        StoredHelp.class.getPackageName(), StoredHelp.FOLDER + text.getKey());
                try (OutputStream out = file.openOutputStream()) {
                    out.write(text.getValue().getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "stored help: " + e);
        }
        processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE,
                "stored help: " + texts.size() + " texts");
        return false;
    }
}

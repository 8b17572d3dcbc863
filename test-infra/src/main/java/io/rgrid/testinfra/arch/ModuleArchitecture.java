package io.rgrid.testinfra.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape one module's production classes must keep, checked with ArchUnit: every service,
 * the CLI, the emulator and the shared modules state theirs in an {@code ArchitectureTest}.
 *
 * <ul>
 *   <li>{@link #checkDependencies()}: its classes use no RGrid package but its own and the
 *       modules it declares ({@code uses}): services never reach into each other.</li>
 *   <li>{@link #checkNoPackageCycles()}: no package cycle inside it. {@code knownEdges} lists,
 *       one by one, the package edges of cycles that are still to be broken (for example
 *       {@code "orchestrator.queue -> orchestrator.dispatch"}, names relative to {@code io.rgrid});
 *       they are left out of the search. A new edge that closes a cycle fails, and so does a listed
 *       edge that no longer exists, so the list can only shrink.</li>
 *   <li>{@link #checkDecisionsFreeOfIo()}: decision classes (by name: {@link IoFree#DECISION_SUFFIXES},
 *       plus {@code alsoPure}) use no I/O API ({@link IoFree}).</li>
 *   <li>{@link #checkClassSizes}: no source file over {@link ClassSize#MAX_LINES} lines but a
 *       {@code @ConfigMapping} interface.</li>
 * </ul>
 *
 * @param root       the module's root package, e.g. {@code io.rgrid.api}
 * @param uses       the root packages of the RGrid modules it may use, e.g. {@code io.rgrid.model}
 * @param knownEdges package edges of today's cycles, each {@code "from -> to"} relative to {@code io.rgrid}
 * @param alsoPure   further classes (fully qualified names: they may be package-private) held to the decision rule
 */
public record ModuleArchitecture(String root, List<String> uses, List<String> knownEdges, List<String> alsoPure) {

    private static final String RGRID = "io.rgrid.";
    private static final String EDGE = " -> ";
    /** By name: test-infra does not depend on SmallRye Config. */
    private static final String CONFIG_MAPPING = "io.smallrye.config.ConfigMapping";
    /** One import per module and JVM: the three checks of a module read the same classes. */
    private static final Map<String, JavaClasses> IMPORTED = new ConcurrentHashMap<>();

    public ModuleArchitecture {
        uses = List.copyOf(uses);
        knownEdges = List.copyOf(knownEdges);
        alsoPure = List.copyOf(alsoPure);
    }

    /** A module with no known cycle and no decision class outside the naming rule. */
    public static ModuleArchitecture of(String root, String... uses) {
        return new ModuleArchitecture(root, List.of(uses), List.of(), List.of());
    }

    public ModuleArchitecture withKnownEdges(String... edges) {
        return new ModuleArchitecture(root, uses, List.of(edges), alsoPure);
    }

    public ModuleArchitecture withPure(String... classNames) {
        return new ModuleArchitecture(root, uses, knownEdges, List.of(classNames));
    }

    /** The module's production classes (target/classes or its jar; never test classes). */
    public JavaClasses classes() {
        return IMPORTED.computeIfAbsent(root, r -> new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(r));
    }

    public void checkDependencies() {
        Set<String> allowed = new LinkedHashSet<>(uses);
        allowed.add(root);
        DescribedPredicate<JavaClass> foreign = new DescribedPredicate<>(
                "are RGrid classes outside " + allowed) {
            @Override
            public boolean test(JavaClass target) {
                String name = target.getPackageName();
                return (name + ".").startsWith(RGRID) && allowed.stream().noneMatch(p -> within(name, p));
            }
        };
        ArchRule rule = noClasses().that().resideInAPackage(root + "..")
                .should().dependOnClassesThat(foreign)
                .because("a module uses only the modules it declares (CONTRIBUTING.md, Layout)");
        rule.check(classes());
    }

    public void checkNoPackageCycles() {
        JavaClasses classes = classes();
        SliceRule rule = slices().matching(RGRID + "(**)").should().beFreeOfCycles();
        for (String edge : knownEdges) {
            String[] ends = ends(edge);
            rule = rule.ignoreDependency(resideInAPackage(RGRID + ends[0]), resideInAPackage(RGRID + ends[1]));
        }
        rule.as("no package cycle inside " + root).check(classes);
        List<String> gone = new ArrayList<>(knownEdges);
        gone.removeAll(packageEdges(classes));
        if (!gone.isEmpty()) {
            throw new AssertionError("these known cycle edges no longer exist; delete them from the list: " + gone);
        }
    }

    public void checkDecisionsFreeOfIo() {
        noClasses().that(IoFree.decisions(root, alsoPure))
                .should().dependOnClassesThat(IoFree.IO)
                .because("decisions are pure code, effects are separate (docs/architecture.md)")
                .allowEmptyShould(true)
                .check(classes());
    }

    /**
     * No source file of the module over {@link ClassSize#MAX_LINES} lines, except a
     * {@code @ConfigMapping} interface (one accessor per key).
     *
     * @param sources the module's {@code src/main/java}
     */
    public void checkClassSizes(Path sources) {
        JavaClasses classes = classes();
        List<ClassSize.Oversized> over = ClassSize.oversized(sources, name -> classes.contain(name)
                && classes.get(name).isInterface() && classes.get(name).isAnnotatedWith(CONFIG_MAPPING));
        if (!over.isEmpty()) {
            throw new AssertionError("classes over " + ClassSize.MAX_LINES + " lines in " + sources
                    + "; split each by job (CONTRIBUTING.md): " + over);
        }
    }

    /** Every package edge inside the module, as {@code "from -> to"} relative to io.rgrid. */
    static Set<String> packageEdges(JavaClasses classes) {
        Set<String> edges = new TreeSet<>();
        for (JavaClass origin : classes) {
            for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                String from = origin.getPackageName();
                String to = dependency.getTargetClass().getPackageName();
                if (!from.equals(to) && to.startsWith(RGRID) && classes.contain(dependency.getTargetClass().getName())) {
                    edges.add(from.substring(RGRID.length()) + EDGE + to.substring(RGRID.length()));
                }
            }
        }
        return edges;
    }

    private static String[] ends(String edge) {
        String[] ends = edge.split(EDGE);
        if (ends.length != 2) {
            throw new IllegalArgumentException("a known edge is \"from -> to\", not \"" + edge + "\"");
        }
        return ends;
    }

    private static boolean within(String packageName, String root) {
        return packageName.equals(root) || packageName.startsWith(root + ".");
    }
}

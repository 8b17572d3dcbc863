package io.rgrid.cli.http;

import io.rgrid.cli.core.CliException;
import io.rgrid.cli.config.CaCert;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The TLS trust of the CLI with a private CA: the system's trust anchors plus the certificates of
 * a PEM file, in one standard PKIX trust manager. Chains, validity and the host name are checked
 * exactly as without the CA (the JDK does it); nothing here switches verification off.
 */
public final class CaTrust {

    /** What a TLS failure over an untrusted certificate tells the user to do. */
    public static final String NOT_TRUSTED = "certificate not trusted: pass --ca-cert or set RGRID_CA_CERT";

    private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";

    private CaTrust() {
    }

    /**
     * The certificates of the PEM file.
     *
     * @throws CliException (usage) naming the setting ({@link CaCert#describe()}) when the file is missing,
     *                      unreadable, or holds no PEM certificate
     */
    public static List<X509Certificate> read(CaCert ca) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(ca.file());
        } catch (NoSuchFileException e) {
            throw invalid(ca, "no such file");
        } catch (AccessDeniedException e) {
            throw invalid(ca, "cannot read it (permission denied)");
        } catch (IOException e) {
            throw invalid(ca, "cannot read it (" + e.getMessage() + ")");
        }
        if (!new String(bytes, StandardCharsets.US_ASCII).contains(PEM_BEGIN)) {
            throw invalid(ca, "not a PEM certificate (no " + PEM_BEGIN + " line)");
        }
        try {
            Collection<? extends Certificate> parsed = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : parsed) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
            return certificates;
        } catch (CertificateException e) {
            throw invalid(ca, "not a valid PEM certificate (" + firstLine(e.getMessage()) + ")");
        }
    }

    /** An SSL context that trusts the system's anchors and the CA's certificates. */
    public static SSLContext context(CaCert ca) {
        List<X509Certificate> added = read(ca);
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int n = 0;
            for (X509Certificate system : systemTrust().getAcceptedIssuers()) {
                anchors.setCertificateEntry("system-" + n++, system);
            }
            for (X509Certificate certificate : added) {
                anchors.setCertificateEntry("rgrid-ca-" + n++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trust with " + ca.file(), e);
        }
    }

    private static X509TrustManager systemTrust() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JDK's default TrustManagerFactory has no X509TrustManager");
    }

    private static CliException invalid(CaCert ca, String problem) {
        return CliException.usage(ca.describe() + ": " + problem);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unparseable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}

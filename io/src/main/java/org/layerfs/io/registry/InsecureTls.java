package org.layerfs.io.registry;

import java.net.Socket;
import java.security.AlgorithmConstraints;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS context of {@code --tls-verify=false}: every certificate and host name accepted. An
 * extended trust manager, because the JDK checks host names inside the default one.
 */
final class InsecureTls {
  private InsecureTls() {}

  /**
   * The context for an HTTP client, made when the client first speaks TLS. An HTTP client needs a
   * context when it is built, and making one (the JDK's TLS provider, its cipher suites, some 300
   * classes) cost a registry command 0.15 s and 0.2 CPU s, which one on plain HTTP, the usual
   * registry without verified TLS, never used (README, "Start-up, seventh session"). The client
   * asks the context for its default parameters when built and reads them when it connects:
   * they are read from the real context then.
   */
  static SSLContext deferred() {
    return new Deferred();
  }

  /** The real context and its defaults, made on first use: one per JVM, as it holds no state of a registry's. */
  private static final class Made {
    static final SSLContext CONTEXT = context();
    static final SSLParameters DEFAULTS = CONTEXT.getDefaultSSLParameters();
  }

  static SSLContext context() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has TLS", e);
    }
  }

  private static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static final class Deferred extends SSLContext {
    Deferred() {
      super(new DeferredSpi(), null, "TLS");
    }
  }

  private static final class DeferredSpi extends SSLContextSpi {
    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
      throw new KeyManagementException("made with its trust manager already");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return Made.CONTEXT.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return Made.CONTEXT.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return Made.CONTEXT.createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return Made.CONTEXT.createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return Made.CONTEXT.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return Made.CONTEXT.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return new DeferredDefaults();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return Made.CONTEXT.getSupportedSSLParameters();
    }
  }

  /**
   * The real context's defaults, read when asked for: what the HTTP client copies for each TLS
   * connection. Read-only in effect: the client never sets them (it sets its copies). The getters
   * the JDK made final have the context's values from the start: no server names and matchers
   * (the client sets its own), the context's own cipher suite order.
   */
  private static final class DeferredDefaults extends SSLParameters {
    DeferredDefaults() {
      setUseCipherSuitesOrder(true);
    }

    @Override
    public String[] getCipherSuites() {
      return Made.DEFAULTS.getCipherSuites();
    }

    @Override
    public String[] getProtocols() {
      return Made.DEFAULTS.getProtocols();
    }

    @Override
    public boolean getWantClientAuth() {
      return Made.DEFAULTS.getWantClientAuth();
    }

    @Override
    public boolean getNeedClientAuth() {
      return Made.DEFAULTS.getNeedClientAuth();
    }

    @Override
    public AlgorithmConstraints getAlgorithmConstraints() {
      return Made.DEFAULTS.getAlgorithmConstraints();
    }

    @Override
    public String getEndpointIdentificationAlgorithm() {
      return Made.DEFAULTS.getEndpointIdentificationAlgorithm();
    }

    @Override
    public boolean getEnableRetransmissions() {
      return Made.DEFAULTS.getEnableRetransmissions();
    }

    @Override
    public int getMaximumPacketSize() {
      return Made.DEFAULTS.getMaximumPacketSize();
    }

    @Override
    public String[] getApplicationProtocols() {
      return Made.DEFAULTS.getApplicationProtocols();
    }
  }
}

using LocalDapr.Configuration;
using LocalDapr.Sidecar;

namespace LocalDapr.Tests;

/// <summary>
/// Parsing and matching of <c>spec.accessControl</c> as daprd does them (the cases of dapr/dapr <c>pkg/acl</c> and
/// <c>pkg/config/acl_trie.go</c> tests, written again): trust domain and namespace, app and global default actions,
/// operations with wildcards, HTTP verbs, case, and the specs daprd refuses.
/// </summary>
public sealed class AccessControlTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-acl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AppOperationSpec Op(string name, string action, params string[] verbs) => new(name, verbs, action);

    /// <summary>
    /// Global deny in trust domain "abcd"; "orders" (ns1, public) allowed by default but op2 denied; "billing" (ns2, domain1)
    /// denied by default with op3/a/* and op4 allowed for some verbs; "audit" (ns1, domain1) with no default of its own;
    /// "worker" (ns2, domain1) with operations and wildcards but no verbs; "orders" again in ns4.
    /// </summary>
    private static AccessControlList Sample(bool isHttp) => AccessControlList.Parse(new AccessControlSpec("deny", "abcd",
    [
        new("orders", "allow", "public", "ns1", [Op("/op1", "allow", "POST", "GET"), Op("/op2", "deny", "*")]),
        new("billing", "deny", "domain1", "ns2", [Op("/op3/a/*", "allow", "PUT", "GET"), Op("/op4", "allow", "POST")]),
        new("audit", null, "domain1", "ns1", [Op("/op5", "allow", "POST")]),
        new("worker", "deny", "domain1", "ns2",
            [Op("/op6", "allow"), Op("/op7/a/b/*", "allow"), Op("/op7/a/b/c/f", "allow"), Op("/op7/a/b*", "allow"), Op("/op7/c/**", "allow")]),
        new("orders", "allow", "public", "ns4", [Op("/op6", "allow", "*")]),
    ]), isHttp)!;

    private static bool Allowed(AccessControlList acl, CallerIdentity? caller, string operation, string verb, bool isHttp) =>
        acl.Check(caller, operation, verb, isHttp).Allowed;

    private static readonly CallerIdentity Billing = new("domain1", "ns2", "billing");

    [Fact]
    public void The_sample_policy_has_its_global_default_action_and_trust_domain()
    {
        var acl = Sample(isHttp: true);

        Assert.Equal("deny", acl.DefaultAction);
        Assert.Equal("abcd", acl.TrustDomain);
    }

    /// <summary>
    /// The <see cref="Sample"/> policy's decision for a caller (<c>trustDomain/namespace/appId</c>, empty: no identity)
    /// calling <paramref name="operation"/> with <paramref name="verb"/> over HTTP or gRPC.
    /// </summary>
    [Theory]
    // A caller without a policy, of a foreign trust domain or namespace, or with no identity gets the global default;
    // the same app id in another namespace has a policy of its own.
    [InlineData("public/ns1/stranger", "op1", "POST", true, false)]
    [InlineData("private/ns1/orders", "op1", "POST", true, false)]
    [InlineData("public/abcd/orders", "op1", "POST", true, false)]
    [InlineData("", "op1", "POST", true, false)]
    [InlineData("public/ns4/orders", "op6", "DELETE", true, true)]
    // Wildcards in a segment, a last star and a double star match as daprd matches them.
    [InlineData("domain1/ns2/worker", "op7/a/b/c", AccessControlList.Verbs.None, false, true)]
    [InlineData("domain1/ns2/worker", "op7/a/b/c/d", AccessControlList.Verbs.None, false, false)]
    [InlineData("domain1/ns2/worker", "op7/a/b/c/f", AccessControlList.Verbs.None, false, true)]
    [InlineData("domain1/ns2/worker", "op7/a/bc", AccessControlList.Verbs.None, false, true)]
    [InlineData("domain1/ns2/worker", "op7/c/d/e", AccessControlList.Verbs.None, false, true)]
    [InlineData("domain1/ns2/worker", "op8", AccessControlList.Verbs.None, false, false)]
    // An operation no rule names gets the app's default action, and without one the global default.
    [InlineData("public/ns1/orders", "opX", "POST", true, true)]
    [InlineData("domain1/ns1/audit", "op5", "PUT", true, false)]
    // HTTP operations match without regard to case, by verb or the star verb; a verb the rule does not name (or none)
    // leaves the app's default.
    [InlineData("public/ns1/orders", "Op2", "POST", true, false)]
    [InlineData("public/ns1/orders", "op2", "PUT", true, false)]
    [InlineData("domain1/ns2/billing", "op4", "POST", true, true)]
    [InlineData("domain1/ns2/billing", "/op4", "POST", true, true)]
    [InlineData("domain1/ns2/billing", "OP4", "POST", true, true)]
    [InlineData("domain1/ns2/billing", "op4", "PUT", true, false)]
    [InlineData("domain1/ns2/billing", "op4", AccessControlList.Verbs.None, true, false)]
    // A single star segment matches one last segment and its parent path.
    [InlineData("domain1/ns2/billing", "/op3/a", "PUT", true, true)]
    [InlineData("domain1/ns2/billing", "/op3/a/b", "PUT", true, true)]
    [InlineData("domain1/ns2/billing", "/op3/b/b", "PUT", true, false)]
    [InlineData("domain1/ns2/billing", "/op3/a/b/c", "PUT", true, false)]
    // gRPC operations match as written, with the rule's action whatever the verbs.
    [InlineData("domain1/ns2/billing", "op4", AccessControlList.Verbs.None, false, true)]
    [InlineData("domain1/ns2/billing", "/OP4", AccessControlList.Verbs.None, false, false)]
    [InlineData("domain1/ns2/worker", "op6", AccessControlList.Verbs.None, false, true)]
    public void The_sample_policy_decides_a_call_as_daprd_does(string caller, string operation, string verb, bool isHttp, bool allowed)
    {
        var identity = caller.Split('/') is [var domain, var ns, var app] ? new CallerIdentity(domain, ns, app) : null;

        Assert.Equal(allowed, Allowed(Sample(isHttp), identity, operation, verb, isHttp));
    }

    [Fact]
    public void A_rule_on_a_path_covers_the_paths_below_it()
    {
        var acl = AccessControlList.Parse(new AccessControlSpec("deny", "public", [new("caller", "deny", "public", "default", [Op("/public", "allow", "*")])]), isHttp: true)!;
        var caller = new CallerIdentity("public", "default", "caller");

        Assert.True(Allowed(acl, caller, "public", "GET", true));
        Assert.True(Allowed(acl, caller, "public/extra", "GET", true));
        Assert.False(Allowed(acl, caller, "publicity", "GET", true));
        Assert.False(Allowed(acl, caller, "admin", "GET", true));
    }

    [Fact]
    public void The_first_rule_written_for_an_operation_holds()
    {
        var acl = AccessControlList.Parse(new AccessControlSpec("deny", "public",
            [new("caller", "allow", "public", "default", [Op("/op", "deny", "*"), Op("/op", "allow", "*")])]), isHttp: true)!;

        Assert.False(Allowed(acl, new CallerIdentity("public", "default", "caller"), "op", "GET", true));
    }

    [Fact]
    public void A_refusal_names_the_callers_spiffe_id_the_operation_and_the_verb_as_daprd_does()
    {
        var acl = Sample(isHttp: true);

        var (allowed, message) = acl.Check(Billing, "op4", "PUT", isHttp: true);
        var (_, anonymous) = acl.Check(null, "/pkg.Svc/Method", AccessControlList.Verbs.None, isHttp: false);

        Assert.False(allowed);
        Assert.Equal("access control policy has denied access to id: spiffe://domain1/ns/ns2/billing operation: op4 verb: PUT", message);
        Assert.Equal("access control policy has denied access to id:  operation: /pkg.Svc/Method verb: NONE", anonymous);
    }

    [Fact]
    public void Policies_without_a_trust_domain_a_namespace_or_an_app_id_are_refused_with_daprds_message()
    {
        var spec = new AccessControlSpec("deny", "public",
        [
            new("orders", "allow", null, "ns1", []),
            new("billing", "deny", "domain1", null, []),
            new(null, "deny", "domain1", null, []),
        ]);

        var e = Assert.Throws<FormatException>(() => AccessControlList.Parse(spec, isHttp: true));

        Assert.Equal("invalid access control spec. missing trustdomain for apps: [orders], missing namespace for apps: [billing ], " +
            "missing app name on at least one of the app policies: true", e.Message);
    }

    [Fact]
    public void Defaults_follow_daprd_an_empty_spec_is_none_policies_without_a_default_deny_and_an_empty_list_allows()
    {
        Assert.Null(AccessControlList.Parse(new AccessControlSpec(null, null, null), isHttp: true));
        Assert.Null(AccessControlList.Parse(new AccessControlSpec("", "", []), isHttp: true));

        var noDefault = AccessControlList.Parse(new AccessControlSpec("", "", [new("a", null, "public", "default", [])]), isHttp: true)!;
        Assert.Equal("deny", noDefault.DefaultAction);
        Assert.Equal("public", noDefault.TrustDomain);
        Assert.Equal("deny", AccessControlList.Parse(new AccessControlSpec("", "td", null), isHttp: true)!.DefaultAction);
        Assert.Equal("allow", AccessControlList.Parse(new AccessControlSpec("", "td", []), isHttp: true)!.DefaultAction);
        Assert.Equal("deny", AccessControlList.Parse(new AccessControlSpec("DENY", "td", []), isHttp: true)!.DefaultAction);
    }

    [Fact]
    public void A_configuration_is_laid_over_daprds_defaults_so_left_out_keys_keep_allow_and_public()
    {
        var config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: callee
            spec:
              accessControl:
                policies:
                - appId: caller
                  defaultAction: deny
                  trustDomain: public
                  namespace: default
                  operations:
                  - name: /orders/*
                    httpVerb: [GET]
                    action: allow
            """);

        var resources = ResourceLoader.Load([], "callee", config);
        var acl = AccessControlList.Parse(resources.AccessControl, isHttp: true)!;

        Assert.Equal("allow", acl.DefaultAction);
        Assert.Equal("public", acl.TrustDomain);
        Assert.Equal(config, resources.AccessControl.File);
        Assert.True(Allowed(acl, new CallerIdentity("public", "default", "caller"), "orders/1", "GET", true));
        Assert.False(Allowed(acl, new CallerIdentity("public", "default", "caller"), "orders/1", "DELETE", true));
        Assert.True(Allowed(acl, new CallerIdentity("public", "default", "other"), "anything", "DELETE", true));
    }

    [Fact]
    public void The_configuration_file_wins_over_a_configuration_in_the_resources_path()
    {
        var resources = Directory.CreateDirectory(Path.Combine(_dir, "resources")).FullName;
        File.WriteAllText(Path.Combine(resources, "config.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: shared
            spec:
              accessControl:
                defaultAction: deny
                trustDomain: shared
            """);
        var config = Path.Combine(_dir, "own.yaml");
        File.WriteAllText(config, "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: own\nspec:\n  accessControl:\n    defaultAction: allow\n");

        var shared = ResourceLoader.Load([resources], "callee").AccessControl;
        var own = ResourceLoader.Load([resources], "callee", config).AccessControl;

        Assert.Equal(("deny", "shared"), (shared.DefaultAction, shared.TrustDomain));
        Assert.Equal(("allow", "shared"), (own.DefaultAction, own.TrustDomain));
    }

    [Fact]
    public async Task An_invalid_spec_stops_the_sidecar_at_start_up_with_the_file_and_line()
    {
        var config = Path.Combine(_dir, "invalid.yaml");
        File.WriteAllText(config, """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: callee
            spec:
              accessControl:
                defaultAction: deny
                policies:
                - appId: caller
                  defaultAction: allow
            """);
        await using var env = new RuntimeEnvironment(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => Sidecar.Sidecar.StartAsync(new SidecarOptions { AppId = "callee", ConfigFile = config }, env, TestContext.Current.CancellationToken));

        Assert.Equal($"{config}:7: invalid access control spec. missing trustdomain for apps: [caller], missing namespace for apps: [caller], " +
            "missing app name on at least one of the app policies: false", e.Message);
    }

    [Fact]
    public void On_an_http_or_h2c_app_rules_are_lower_cased_so_a_proxied_grpc_method_matches_only_where_stars_cover_its_capitals()
    {
        // daprd parses the rules for the app's protocol (h2c is HTTP: lower case) and matches a proxied gRPC method as written.
        var acl = AccessControlList.Parse(new AccessControlSpec("deny", "public",
        [
            new("maintenance", "deny", "public", "mtaeda", [Op("/mtaeda.scheduling.v1.Scheduling/CreateWorkOrder", "allow")]),
            new("simulator", "deny", "public", "mtaeda", [Op("/mtaeda.scheduling.v1.*/*reate*ork*rder", "allow")]),
        ]), isHttp: true)!;
        const string method = "/mtaeda.scheduling.v1.Scheduling/CreateWorkOrder";

        Assert.False(Allowed(acl, new CallerIdentity("public", "mtaeda", "maintenance"), method, AccessControlList.Verbs.None, false));
        Assert.True(Allowed(acl, new CallerIdentity("public", "mtaeda", "simulator"), method, AccessControlList.Verbs.None, false));
        Assert.False(Allowed(acl, new CallerIdentity("public", "mtaeda", "simulator"), "/mtaeda.scheduling.v1.Scheduling/CancelWorkOrder", AccessControlList.Verbs.None, false));
    }

    [Fact]
    public void The_config_file_is_the_apps_configFilePath_its_folders_dapr_config_or_the_common_one_and_a_given_one_must_exist()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "one"));
        Directory.CreateDirectory(Path.Combine(_dir, "two"));
        File.WriteAllText(Path.Combine(_dir, "one", "own.yaml"), "kind: Configuration\n");
        File.WriteAllText(Path.Combine(_dir, "common.yaml"), "kind: Configuration\n");
        var runFile = Path.Combine(_dir, "dapr.yaml");
        File.WriteAllText(runFile, """
            version: 1
            common:
              configFilePath: ./common.yaml
            apps:
            - appID: one
              appDirPath: ./one
              configFilePath: own.yaml
            - appID: two
              appDirPath: ./two
            """);

        var apps = LocalDapr.Runner.RunFile.Load(runFile, new Dictionary<string, string>());

        Assert.Equal(Path.Combine(_dir, "one", "own.yaml"), apps[0].Sidecar.ConfigFile);
        Assert.Equal(Path.Combine(_dir, "common.yaml"), apps[1].Sidecar.ConfigFile);

        // The app folder's .dapr/config.yaml comes before the common file.
        Directory.CreateDirectory(Path.Combine(_dir, "two", ".dapr"));
        File.WriteAllText(Path.Combine(_dir, "two", ".dapr", "config.yaml"), "kind: Configuration\n");
        Assert.Equal(Path.Combine(_dir, "two", ".dapr", "config.yaml"), LocalDapr.Runner.RunFile.Load(runFile, new Dictionary<string, string>())[1].Sidecar.ConfigFile);

        File.WriteAllText(runFile, "version: 1\napps:\n- appID: one\n  appDirPath: ./one\n  configFilePath: missing.yaml\n");
        var e = Assert.Throws<ConfigurationException>(() => LocalDapr.Runner.RunFile.Load(runFile, new Dictionary<string, string>()));
        Assert.Equal($"{runFile}:5: config file 'missing.yaml' does not exist ({Path.Combine(_dir, "one", "missing.yaml")})", e.Message);
    }

    [Theory]
    [InlineData("admin", "admin")]
    [InlineData("/pkg.Svc/Method", "/pkg.Svc/Method")]
    [InlineData("admin/../public", "public")]
    [InlineData("admin/../../public", "public")]
    [InlineData("../public", "public")]
    [InlineData("public///extra", "public/extra")]
    [InlineData("a/b/c/../../../public", "public")]
    [InlineData(".", "")]
    [InlineData("", "")]
    [InlineData("admin\\..\\public", "admin\\..\\public")]
    public void Method_names_are_normalised_as_daprd_does_before_matching(string method, string normalized)
    {
        Assert.Equal(normalized, MethodName.Normalize(method, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("admin?ignored", "method contains forbidden character: \"admin?ignored\"")]
    [InlineData("public#../admin", "method contains forbidden character: \"public#../admin\"")]
    [InlineData("admin\0public", "method contains forbidden character: \"admin\\x00public\"")]
    [InlineData("admin\u0001x", "method contains control character at position 5: \"admin\\x01x\"")]
    public void Method_names_with_reserved_or_control_characters_are_refused(string method, string message)
    {
        Assert.Null(MethodName.Normalize(method, out var error));
        Assert.Equal(message, error);
    }
}

/**
 * Every message the contract writes (its zod schemas, the checks that need the service, the value
 * checks of `envoy-values.ts`), in English, by a stable key. No zod here: the BFF and the SPA both
 * import it. The BFF sends the English text to API clients as it always has; the SPA turns a
 * message back into its key and values (`web/src/lib/messages`) and shows it in the operator's
 * language, so a key's English may be reworded freely but a key is never reused for another
 * meaning. `{{name}}` is a value filled in by `contractMessage`.
 */
export const CONTRACT_MESSAGES = {
  common: {
    nameRequired: 'Enter a name',
    valueRequired: 'Enter a value',
    wholeNumber: 'A whole number',
    atLeast: 'At least {{min}}',
    atMost: 'At most {{max}}',
    atMostCharacters: 'At most {{max}} characters',
    atMostBytes: 'At most {{max}} bytes',
    // Between the parts of a list of messages (`ContractText[]`).
    listSeparator: ', ',
  },
  routing: {
    ruleNameRequired: 'Enter a rule name',
    versionRequired: 'Choose a version',
    destinationRequired: 'Add at least one destination',
    oneDestination: 'Without a traffic split, route to exactly one version',
    versionTwice: 'Version {{version}} appears twice',
    weightTotal: 'Weights must total 100% (now {{total}}%)',
    versionRouteConditions: 'A version route has no conditions; choose a condition route',
    conditionRequired: 'Add at least one condition',
    yamlRequired: 'Enter the YAML of a VirtualService',
    versionUnknown: 'Version {{version}} is not a version of this service',
    versionNotReady: 'Version {{version}} has no ready instance; traffic sent to it would fail',
    httpMatchOnRpc:
      'HTTP headers, URI and method do not apply to an RPC service; use the method name and attachments',
    rpcMatchOnHttp: 'RPC method names and attachments apply to Dubbo and SOFARPC services only',
    sofaAttachmentRegex: 'The sofa dialect matches attachments exactly or by prefix, not by regex',
    // What a preview warns of (mesh/plan.ts).
    secondRouteOnHost: 'VirtualService {{name}} also routes {{host}}; the mesh applies only one of them',
    unreachableCondition: 'Condition {{number}} is never reached: an earlier condition matches all traffic',
    subsetMatchesNoInstance: 'Subset {{subset}} selects no instance of this service',
    versionWithoutInstances: 'Version {{version}} has no ready instance',
    prunedByIstio:
      "The sofa dialect writes spec.dubbo, which only SOFA's control plane reads; stock Istio drops the field",
    // Written by the rule services (same words; they should come from here too).
    cannotRename: 'A rule cannot be renamed; create a new one',
    tcpConditions: 'A TCP route splits by version only; choose a version route',
    otherHostsInMesh:
      'This rule routes {{hosts}}, names other than this service: it applies at gateways only, never in the mesh',
    everyInterface:
      "Istio's rules route the application's host: this rule applies to every interface of {{application}} ({{interfaces}}), not only {{name}}",
    gatewayUnknown: 'Gateway {{gateway}} does not exist; bind the rule to an existing gateway or to mesh',
    gatewayOnly:
      'The rule applies at {{gateways}} only: calls between services inside the mesh are not affected',
  },
  // Why a routing rule opens in the YAML editor instead of the form (mesh/istio-routes.ts,
  // mesh/rpc-routes.ts). `where` is the place in the object: `http[0]`, `routedetail[1].route[0]`.
  yaml: {
    headerMatch: '{{where}}: header {{name}} uses a match the form does not show',
    queryParamMatch: '{{where}}: query parameter {{name}} uses a match the form does not show',
    fieldMatch: '{{where}}: the {{field}} match is not one the form shows',
    noHttpRoutes: 'The VirtualService has no HTTP routes',
    notRouting: '{{where}}: delegates, redirects or answers directly instead of routing',
    otherHost: '{{where}}: routes to another host ({{host}})',
    noSubset: '{{where}}: routes to every version (no subset)',
    subsetNotVersion:
      '{{where}}: subset {{subset}} selects no one version of this service exactly (labels {{labels}})',
    subsetUndefined: '{{where}}: subset {{subset}} is not defined in any DestinationRule for {{host}}',
    subsetNoInstance:
      '{{where}}: subset {{subset}} selects no ready instance of {{host}}; its traffic would fail',
    weightsNot100: '{{where}}: the weights total {{total}}, not 100',
    tcpRoutes: 'The VirtualService routes TCP with {{count}} routes; the form shows one TCP route',
    httpAndTcp: 'The VirtualService has both HTTP and TCP routes; the form shows one or the other',
    tlsRoutes: 'The VirtualService routes TLS (spec.tls), which the form does not show',
    // Why a rule that affects the service is shown on its tab but not edited there (features/routing/scope.ts).
    delegateOf:
      'A delegate of {{root}}: the root decides which requests reach it; edit it as YAML where it lives',
    unattachedDelegate: 'A delegate VirtualService that no root names: Istio ignores it',
    wildcardHost: 'Its host {{host}} covers this service and others: shown here, not edited for one service',
    routesOtherHost: 'It routes {{host}} to this service: shown here, edited with the rules of {{host}}',
    otherNamespace:
      'It lives in namespace {{namespace}}: shown here, changed by whoever manages that namespace',
    namespacedHost:
      'Its host {{host}} is a name Istio takes as written (only requests addressed to {{host}}), not the service',
    subsetDefinedTwice: 'defines subset {{subset}} again; the definition of {{kept}} is used',
    secondTrafficPolicy: 'sets a traffic policy too; the one of {{kept}} is in force',
    destinationRuleNotUsed: 'not used by callers in this namespace ({{reason}})',
    fieldNotShown: '{{where}}: the form does not show {{field}}',
    methodNotExact: '{{where}}: a method match other than exact',
    attachment: '{{where}}: attachment {{name}} uses a match the form does not show',
    oneDubboEntry: 'Expected one entry in spec.dubbo',
    noRouteDetail: 'No routedetail',
    lastRouteHasConditions: 'The last route has conditions, so nothing says where other traffic goes',
    severalMatchBlocks: '{{where}}: several match blocks (any of them) are not shown by the form',
    conditionNotShown: '{{where}}: condition "{{condition}}" is not shown by the form',
    noDubboEntries: 'No spec.dubbo entries',
  },
  // Which API a service's routes are written with, and why (features/routing/route-api.ts).
  routeApi: {
    settingIstio: 'MESH_CONSOLE_ROUTE_API is istio: routes are VirtualServices',
    settingGatewayApi: 'MESH_CONSOLE_ROUTE_API is gateway-api: routes are {{kind}}s',
    rpcInterface:
      "{{protocol}} interfaces are routed by Istio's rules on their application's host, which no Gateway API route models",
    notServed:
      'The cluster does not serve {{kind}} (its Gateway API CRD is not installed): routes are VirtualServices',
    notServedForced:
      'MESH_CONSOLE_ROUTE_API is gateway-api, but the cluster does not serve {{kind}}: install the Gateway API CRDs, or set MESH_CONSOLE_ROUTE_API to auto or istio',
    existingGateway: 'The service is already routed by {{routes}}: new routes are written the same way',
    existingIstio:
      'The service is already routed by VirtualService {{virtualServices}}: new routes are VirtualServices too',
    bothWaypoint:
      'The service is routed by both {{routes}} and VirtualService {{virtualServices}}; it uses waypoint {{waypoint}}, where Istio recommends the Gateway API (VirtualService is a technical preview there): new routes are {{kind}}s',
    bothSidecar:
      'The service is routed by both {{routes}} and VirtualService {{virtualServices}}; it uses no ambient waypoint, so new routes are VirtualServices, which its sidecars apply',
    ambientWaypoint:
      '{{service}} is in ambient mode and uses waypoint {{waypoint}}: Istio routes it with the Gateway API (VirtualService is only a technical preview there), so routes are {{kind}}s',
    waypointMissing:
      '{{service}} is in ambient mode and names waypoint {{waypoint}}, which is no Gateway of class istio-waypoint: routes are VirtualServices',
    ambientNoWaypoint:
      '{{service}} is in ambient mode without a waypoint, so no L7 route applies to it yet; routes are VirtualServices (label it with istio.io/use-waypoint for the Gateway API)',
    sidecar:
      '{{service}} is not in ambient mode (no istio.io/dataplane-mode: ambient): routes are VirtualServices',
    sidecarPods:
      "{{service}}'s pods run sidecars, which take precedence over its namespace's ambient mode: routes are VirtualServices",
    noService:
      '{{service}} has no Kubernetes Service in its namespace (a ServiceEntry host or VMs), which Gateway API routes attach to: routes are VirtualServices',
    unavailable: 'Routes cannot be written: {{reason}}',
  },
  // Writing and reading the form as Gateway API routes (mesh/gateway-api-routes.ts).
  gatewayApi: {
    sourceLabels:
      "Gateway API routes cannot match the calling workload's labels; remove the condition or use Istio's routes",
    rpcMatch: 'Gateway API routes match HTTP and gRPC requests, not RPC method names or attachments',
    methodNotExact: 'Gateway API matches the HTTP method exactly (GET, POST, …), not by {{type}}',
    methodUnknown:
      'Gateway API matches the methods GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH, not {{method}}',
    prefixMatch: 'Gateway API matches {{what}} {{name}} exactly or by regular expression, not by prefix',
    nameInvalid: "Gateway API accepts {{name}} only as a token (letters, digits and !#$%&'*+-.^_`|~)",
    nameTwice: '{{name}} appears twice in one condition',
    pathInvalid:
      "Gateway API refuses the path {{path}}: an exact or prefix path starts with '/', has no '//', '/./', '/../', '%2f' or '#', does not end in '/.' or '/..', and uses only URL path characters",
    atMost: 'Gateway API allows at most {{max}} here',
    ruleName: 'Gateway API names a rule as a DNS subdomain (lower-case letters, digits, "-" and ".")',
    ruleNameTwice: 'Rule name {{name}} is used twice',
    grpcHttpMatch: 'A GRPCRoute matches gRPC services, methods and headers, not the HTTP {{what}}',
    grpcPath: 'A GRPCRoute matches /service/method exactly or /service/ as a prefix; {{path}} is neither',
    grpcMethod: 'A gRPC method name is letters, digits and "_" (not starting with a digit), not {{method}}',
    grpcMethodAndPath:
      'Give the gRPC method either as the path /service/method or as the method name, not both',
    serviceMissing:
      'Service {{name}} does not exist in namespace {{namespace}}; Gateway API routes attach to it',
    noPort: 'Service {{name}} has no port to route',
    reordered:
      'Gateway API tries condition {{later}} before condition {{earlier}}: the more specific match comes first (exact path, longest prefix, method, most headers, most query parameters), whatever the order of the list',
    reorderedDefault:
      'Gateway API tries the rule for all other traffic before condition {{earlier}}: a regular-expression path ranks below every prefix, so condition {{earlier}} is never reached',
    backendCreated:
      'Service {{name}} will be created to select version {{version}} of {{service}}: Gateway API routes send traffic to Services, one per version',
    noRules: 'The route has no rules',
    notService: '{{where}}: sends traffic to {{ref}}, not a Service of this namespace',
    mainService: '{{where}}: sends traffic to {{name}}, every version (no per-version Service)',
    backendMissing: '{{where}}: Service {{name}} does not exist',
    backendNotVersion: '{{where}}: Service {{name}} selects no one version of this service exactly',
    versionTwice: '{{where}}: sends traffic to version {{version}} twice',
    weightsNotPercent: '{{where}}: the weights total {{total}}, which do not scale to whole percentages',
    notAttached: 'The route attaches neither to Service {{name}} nor to a Gateway',
  },
  ratelimit: {
    headerValueRequired: 'Enter a header value',
    methodNameRequired: 'Enter a method name',
    requestsRequired: 'Enter a number of requests',
    atLeastOneRequest: 'At least 1 request',
    windowMin: 'The window is at least 1 unit',
    windowMax: 'At most {{max}} units',
    statusRange: 'A 4xx or 5xx status',
    globalBurst: 'The global rate limit service has no burst; leave it empty or use a per-instance limit',
    globalWindow: 'The global rate limit service counts per whole second, minute or hour',
    globalResponseHeader: 'A response header can only be added by a per-instance limit',
    httpMatchOnRpc: 'Path, method and headers do not apply to an RPC service; use the method name',
    rpcMethodOnHttp: 'Method names apply to Dubbo and SOFARPC services only',
    duplicateMatch: 'Rule {{name}} already limits the same requests of this service; edit it instead',
  },
  // The account forms' messages follow a field name in the API's answer ("name: …"), hence lower case.
  auth: {
    namespaceName: 'a namespace name, or * for all namespaces',
    namespacesRequired: 'at least one namespace, or * for all',
    userNameRequired: 'enter your user name',
    passwordRequired: 'enter your password',
    currentPasswordRequired: 'enter your current password',
    atLeastCharacters: 'at least {{min}} characters',
    atMostCharacters: 'at most {{max}} characters',
    samePassword: 'the new password must differ from the current one',
    tokenNameRequired: 'name the token after what uses it',
    tokenNameCharacters: 'letters, digits, spaces, dots, dashes and underscores',
    newUserNameRequired: 'enter a user name',
    userNameCharacters: 'letters, digits, dots, dashes, underscores and @, starting with a letter or digit',
    nothingToChange: 'change at least one of role, namespaces, password, disabled',
    // Written by features/auth (same words; they should come from here too).
    currentPasswordWrong: 'the current password is wrong',
    selfDemote: 'you cannot take the admin role from yourself',
    selfDisable: 'you cannot disable yourself',
    selfPassword: 'change your own password from the user menu',
    selfDelete: 'you cannot delete yourself',
  },
  envoy: {
    lineBreak: 'a line break (CR or LF)',
    nul: 'a NUL character',
    controlCharacter: 'a control character',
    headerNameRequired: 'Enter a header name',
    headerNameControl: 'A header name cannot contain {{what}}',
    pseudoHeaderMatch:
      '{{name}} is a pseudo-header; match the path, method or host with their own conditions',
    headerNameCharacters:
      "A header name is letters, digits and !#$%&'*+-.^_`|~ (no spaces, colons or other separators)",
    headerValueControl: 'A header value cannot contain {{what}}',
    percentAlone: 'A single "%" starts a variable; write "%%" for a percent sign',
    variableArgumentsList: 'A variable\'s arguments are a list: expected ",", "]" or a space',
    variableArgumentsQuoted: "A variable's arguments are quoted strings: expected '\"'",
    variableBackslash: "A backslash ends the value inside a variable's argument",
    variableArgumentsEnd: 'Expected ")" after a variable\'s arguments',
    variableEnd: 'Expected "%" to end the variable',
    variableNotClosed: 'A variable is not closed: end it with "%", or write "%%" for a percent sign',
    hostHeader: 'Envoy does not let a filter add the host header',
    contentLength: 'Envoy writes content-length of the reply itself',
    framing: 'Envoy writes the framing of the reply itself',
    connectionHeader: 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself',
    setCookie: 'a limited response must not set cookies on the clients it refuses',
    pseudoHeaderAdd: '{{name}} is a pseudo-header; Envoy cannot add it',
    headerRefused: '{{name}} cannot be added: {{reason}}',
    regexRequired: 'Enter a regular expression',
    regexTooLong: 'A regular expression is at most {{max}} characters',
    regexInvalid:
      'Not a valid RE2 regular expression ({{reason}}); Envoy uses RE2 syntax: no lookaround or backreferences',
    regexTooComplex:
      'The regular expression is too complex for Envoy (program size {{size}}, at most {{max}})',
    pathRequired: 'Enter a path',
    pathSlash: 'A path starts with "/"',
    pathSpaces: 'A path cannot contain spaces or control characters',
    pathFragment: 'A request path never contains "#"',
    methodRequired: 'Enter a method',
    methodCharacters: "A method name is letters, digits and !#$%&'*+-.^_`|~, without spaces",
    valueControl: 'A value cannot contain {{what}}',
  },
  kubernetes: {
    dns1123Label: 'Lower-case letters, digits and "-", starting and ending with a letter or digit',
    dns1123Subdomain:
      'Lower-case letters, digits, "-" and ".", each part starting and ending with a letter or digit',
    labelKeyEmpty: 'A label key cannot be empty',
    labelKeySlashes: '{{key}}: a label key has at most one "/"',
    labelKeyPrefixEmpty: '{{key}}: the prefix before "/" cannot be empty',
    labelKeyPrefix: '{{key}}: the prefix must be a DNS subdomain ({{reason}})',
    labelKeyNameEmpty: '{{key}}: the name after "/" cannot be empty',
    labelKeyNameTooLong: '{{key}}: the name part is at most 63 characters',
    labelKeyName: '{{key}}: letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    labelValueTooLong: '{{value}}…: a label value is at most 63 characters',
    labelValue:
      '{{value}}: a label value is empty or letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    apiVersionRequired: 'Enter an apiVersion',
    apiVersionParts: '{{apiVersion}}: an apiVersion is group/version',
    apiVersionGroup: '{{apiVersion}}: the group must be a DNS subdomain ({{reason}})',
    apiVersionVersion: '{{apiVersion}}: the version must be a name such as v1',
    hostEmpty: 'A host cannot be empty',
    hostTooLong: 'A host is at most 255 characters',
    hostLabel: '{{host}}: the label "{{label}}" is not valid',
    hostTopLevelDigits: '{{host}}: the top-level domain cannot be all digits',
  },
  configCheck: {
    subsetNotFound:
      'Subset {{subset}} is not defined in any DestinationRule for {{host}}; requests routed to it fail (503)',
    subsetNotVisible:
      'Subset {{subset}} of {{host}} is defined only in DestinationRules that sidecars in {{namespace}} do not use; requests routed to it fail (503)',
    subsetNoInstance: 'Subset {{subset}} selects no instance of {{host}}',
    subsetNoReadyInstance: 'Subset {{subset}} selects no ready instance of {{host}}',
    routeToEmptySubset:
      '{{where}}: routes to subset {{subset}} of {{host}}, which selects no ready instance; those requests fail',
    weightsNot100:
      "{{where}}: the destinations' weights total {{total}}, not 100; Envoy splits in proportion to them",
    claimedIgnoredOlder: 'Ignored for {{host}} in the mesh: {{winner}} names the same host and is older',
    claimedIgnoredSameAge:
      'Ignored for {{host}} in the mesh: {{winner}} names the same host, was created in the same second and sorts first by name',
    claimedIgnoredNamespace:
      'Ignored for {{host}} by callers in {{namespace}}: {{winner}}, in their namespace, is taken first',
    claimedIgnoredExported:
      'Ignored for {{host}} by callers in {{namespace}}: {{winner}}, exported to their namespace by name, is taken first',
    claimedInEffect: 'In effect for {{host}} in the mesh; {{others}} on the same host is ignored',
    unreachable: '{{where}} is never reached: {{previous}} before it matches every request',
    gatewayNotFound: 'Gateway {{gateway}} does not exist; the rule does nothing there',
    hostNotFound: '{{host}} is no service of the mesh and no ServiceEntry host',
    destinationNotFound:
      '{{where}}: routes to {{host}}, which is no service of the mesh and no ServiceEntry host',
    hostAsWritten:
      'Istio takes {{host}} as written (it qualifies only names without a dot): the rule applies only to requests addressed to {{host}}, not to {{fqdn}}',
    destinationAsWritten:
      '{{where}}: Istio takes {{host}} as written, not as {{fqdn}}: no such service; write {{short}} or the full name',
    destinationRuleAsWritten:
      'Istio takes {{host}} as written, not as {{fqdn}}: this DestinationRule applies to no service',
    exportHides:
      'Not exported to {{namespaces}}, where callers of {{host}} are: their requests do not use this rule',
    duplicateSubset:
      'Subset {{subset}} is also defined by {{winner}}, whose definition is used (it was created first)',
  },
  // Zero trust (contract/security.ts, and the console's judgement of observed callers in
  // mesh/access-evaluation.ts). `name` is a policy as namespace/name.
  security: {
    portLevelNeedsSelector: 'Port-level modes need a workload selector: choose the workload scope',
    portTwice: 'Port {{port}} appears twice',
    conditionKeyRequired: 'Enter a key',
    portNumber: 'A port number',
    denyWithoutRules:
      'A DENY policy without rules refuses nothing, and Istio does not accept it: add a rule (an empty rule matches every request)',
    conditionKeyUnknown:
      '{{key}} is not an attribute Istio knows: request.headers[name], source.ip, remote.ip, source.namespace, source.principal, request.auth.claims[name], destination.port, connection.sni, …',
    conditionValues: 'Give at least one value or one excluded value',
    deniedBy: 'Refused by the DENY policy {{name}}',
    noAllowMatches: 'ALLOW policies apply to this service and none of them matches this caller',
    noAllowMatchesPlaintext:
      'ALLOW policies apply to this service and none of them matches this caller, which sends plaintext: principals and namespaces never match it',
    dependsOnRequest:
      'Depends on what the traffic does not show (paths, methods, headers, addresses): see policy {{name}}',
    customDecides: 'The external authorizer of the CUSTOM policy {{name}} decides',
    allowedBy: 'Allowed by the ALLOW policy {{name}}',
    noAllowPolicy: 'No ALLOW policy applies to this service, so every caller not refused is allowed',
    plaintextPartRefused:
      'Its requests over mutual TLS are allowed; its plaintext requests ({{percent}}% of them) are refused: they carry no identity',
  },
  // Progressive delivery: the release form (releases.ts).
  release: {
    canaryIsStable: 'The canary version must differ from the stable version ({{version}})',
    stepRequired: 'Add at least one step',
    atMostSteps: 'At most {{max}} steps',
    weightsIncrease: 'Step {{number}}: the weight must be above the previous step’s {{previous}}%',
    lastStepFull: 'The last step must send 100% to the canary (now {{weight}}%)',
    // What the state machine records (mesh/release.ts): the decision log, the gates' summary and the
    // reason of a pause or rollback. Numbers come formatted (`1,240`, `0.4`); `relation` is <, ≤ or >;
    // `stage`, `gates`, `decision` and `checks` are messages themselves.
    started: 'release {{name}} started: {{stage}}',
    stepStarted: 'step {{number}} started: {{stage}}',
    stepPassed: 'step {{number}} passed: {{gates}}',
    stepFailed: 'step {{number}} failed: {{gates}}',
    succeeded: 'release {{name}} succeeded: {{canary}} serves 100%',
    pausedBy: 'paused by {{user}}: {{reason}}',
    pausedManualEdit: 'paused: the route was edited outside the release ({{detail}})',
    pausedWriteFailed: 'paused: writing the weights of step {{number}} failed ({{error}})',
    resumed: 'resumed at step {{number}} by {{user}}',
    promoted: 'promoted at step {{number}} by {{user}}: {{canary}} serves 100%',
    aborted: 'aborted at step {{number}} by {{user}}',
    rolledBack: '{{decision}}; rolled back to 100% {{stable}}',
    headerStage: 'requests with header {{name}}: {{value}} go to {{canary}}',
    weightStage: '{{canaryWeight}}% to {{canary}}, {{stableWeight}}% to {{stable}}',
    gatesPassed: '{{errorRate}}, {{p99}}, {{requests}} requests',
    gatesHeld: 'held {{elapsed}} s of {{hold}} s ({{checks}})',
    gatesTooFewRequests: '{{requests}} of {{minRequests}} requests',
    gatesP99Unknown: 'p99 not known yet, {{requests}} requests',
    telemetryUnavailable: 'telemetry unavailable: {{error}}',
    errorRate: 'error rate {{value}}% {{relation}} {{threshold}}%',
    errorRateStable: 'error rate {{value}}% {{relation}} {{threshold}}% (stable {{stable}}%)',
    errorRateStableToo:
      'error rate {{value}}% {{relation}} {{threshold}}% (the stable version too: {{stable}}%)',
    errorRateNoRequests: 'no requests',
    p99: 'p99 {{value}} ms {{relation}} {{threshold}} ms',
    p99Stable: 'p99 {{value}} ms {{relation}} {{threshold}} ms (stable {{stable}} ms)',
    p99StableToo: 'p99 {{value}} ms {{relation}} {{threshold}} ms (the stable version too: {{stable}} ms)',
    p99Unknown: 'p99 unknown',
  },
} as const;

type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];

/** `routing.ruleNameRequired`, `envoy.headerRefused`, …: the stable key of a contract message. */
export type ContractMessageKey = Paths<typeof CONTRACT_MESSAGES>;

export type MessageValues = Readonly<Record<string, string | number>>;

/**
 * A message as its key and values, for a text the SPA shows in the operator's language but that
 * the English template-matching cannot read back reliably (free text and messages inside it). A
 * value that is a list is messages in their own right, joined by `common.listSeparator`.
 */
export interface ContractText {
  key: ContractMessageKey;
  values?: Readonly<Record<string, ContractTextValue>>;
}
export type ContractTextValue = string | number | readonly ContractText[];

/** Structured messages as English: exactly what `contractMessage` writes, lists joined by ", ". */
export function renderContractText(parts: readonly ContractText[]): string {
  return parts
    .map(({ key, values = {} }) =>
      contractMessage(
        key,
        Object.fromEntries(
          Object.entries(values).map(([name, value]) => [
            name,
            typeof value === 'object' ? renderContractText(value) : value,
          ]),
        ),
      ),
    )
    .join(contractTemplate('common.listSeparator'));
}

/** The English template of a key (`{{name}}` not filled in). */
export function contractTemplate(key: ContractMessageKey): string {
  const [group, name] = key.split('.') as [keyof typeof CONTRACT_MESSAGES, string];
  return (CONTRACT_MESSAGES[group] as Record<string, string>)[name] ?? key;
}

/** The English message of a key with its values filled in: what the BFF sends and zod issues carry. */
export function contractMessage(key: ContractMessageKey, values: MessageValues = {}): string {
  return contractTemplate(key).replace(/{{(\w+)}}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

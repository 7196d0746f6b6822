// In-memory shapes of the Mesos v1 messages (see protos/wire/codec.ts): snake_case proto field names,
// enums as their name strings, `bytes` as Uint8Array (Buffer after decoding), 64-bit integers as numbers,
// unset optional fields absent (proto defaults are noted in comments but never filled in), repeated
// fields as arrays (absent when empty) and maps as plain objects. Required proto2 fields are required
// properties here; checkRequired() enforces them at run time.
// Names join the proto path: mesos.v1.Offer.Operation → OfferOperation, mesos.v1.scheduler.Call →
// SchedulerCall. Kept in step with protos/mesos/v1/*.proto by test/protos/mesos/v1/types.test.ts.

/** mesos.v1.FrameworkID */
export interface FrameworkID {
  value: string;
}

/** mesos.v1.OfferID */
export interface OfferID {
  value: string;
}

/** mesos.v1.AgentID */
export interface AgentID {
  value: string;
}

/** mesos.v1.TaskID */
export interface TaskID {
  value: string;
}

/** mesos.v1.ExecutorID */
export interface ExecutorID {
  value: string;
}

/** mesos.v1.ContainerID */
export interface ContainerID {
  value: string;
  parent?: ContainerID;
}

/** mesos.v1.ResourceProviderID */
export interface ResourceProviderID {
  value: string;
}

/** mesos.v1.OperationID */
export interface OperationID {
  value: string;
}

/** mesos.v1.UUID */
export interface UUID {
  value: Uint8Array;
}

/** mesos.v1.FrameworkInfo */
export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number; // default 0
  checkpoint?: boolean; // default false
  role?: string; // default "*", deprecated
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: FrameworkInfoCapability[];
  labels?: Labels;
  roles?: string[];
  offer_filters?: Record<string, OfferFilters>;
}

/** mesos.v1.FrameworkInfo.Capability */
export interface FrameworkInfoCapability {
  type?: FrameworkInfoCapabilityType;
}

/** mesos.v1.FrameworkInfo.Capability.Type */
export type FrameworkInfoCapabilityType =
  | 'UNKNOWN'
  | 'REVOCABLE_RESOURCES'
  | 'TASK_KILLING_STATE'
  | 'GPU_RESOURCES'
  | 'SHARED_RESOURCES'
  | 'PARTITION_AWARE'
  | 'MULTI_ROLE'
  | 'RESERVATION_REFINEMENT'
  | 'REGION_AWARE';

/** mesos.v1.OfferFilters */
export interface OfferFilters {
  min_allocatable_resources?: OfferFiltersMinAllocatableResources;
}

/** mesos.v1.OfferFilters.ResourceQuantities */
export interface OfferFiltersResourceQuantities {
  quantities?: Record<string, ValueScalar>;
}

/** mesos.v1.OfferFilters.MinAllocatableResources */
export interface OfferFiltersMinAllocatableResources {
  quantities?: OfferFiltersResourceQuantities[];
}

/** mesos.v1.MasterInfo */
export interface MasterInfo {
  id: string;
  ip: number;
  port: number; // default 5050
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
  domain?: DomainInfo;
  capabilities?: MasterInfoCapability[];
}

/** mesos.v1.MasterInfo.Capability */
export interface MasterInfoCapability {
  type?: MasterInfoCapabilityType;
}

/** mesos.v1.MasterInfo.Capability.Type */
export type MasterInfoCapabilityType = 'UNKNOWN' | 'AGENT_UPDATE' | 'AGENT_DRAINING' | 'QUOTA_V2';

/** mesos.v1.AgentInfo */
export interface AgentInfo {
  hostname: string;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
  port?: number; // default 5051
  domain?: DomainInfo;
}

/** mesos.v1.AgentInfo.Capability */
export interface AgentInfoCapability {
  type?: AgentInfoCapabilityType;
}

/** mesos.v1.AgentInfo.Capability.Type */
export type AgentInfoCapabilityType =
  | 'UNKNOWN'
  | 'MULTI_ROLE'
  | 'HIERARCHICAL_ROLE'
  | 'RESERVATION_REFINEMENT'
  | 'RESOURCE_PROVIDER'
  | 'RESIZE_VOLUME'
  | 'AGENT_OPERATION_FEEDBACK'
  | 'AGENT_DRAINING'
  | 'TASK_RESOURCE_LIMITS';

/** mesos.v1.Address */
export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

/** mesos.v1.URL */
export interface URL {
  scheme: string;
  address: Address;
  path?: string;
  query?: Parameter[];
  fragment?: string;
}

/** mesos.v1.DomainInfo */
export interface DomainInfo {
  fault_domain?: DomainInfoFaultDomain;
}

/** mesos.v1.DomainInfo.FaultDomain */
export interface DomainInfoFaultDomain {
  region: DomainInfoFaultDomainRegionInfo;
  zone: DomainInfoFaultDomainZoneInfo;
}

/** mesos.v1.DomainInfo.FaultDomain.RegionInfo */
export interface DomainInfoFaultDomainRegionInfo {
  name: string;
}

/** mesos.v1.DomainInfo.FaultDomain.ZoneInfo */
export interface DomainInfoFaultDomainZoneInfo {
  name: string;
}

/** mesos.v1.Value */
export interface Value {
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  set?: ValueSet;
  text?: ValueText;
}

/** mesos.v1.Value.Type */
export type ValueType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';

/** mesos.v1.Value.Scalar */
export interface ValueScalar {
  value: number;
}

/** mesos.v1.Value.Range */
export interface ValueRange {
  begin: number;
  end: number;
}

/** mesos.v1.Value.Ranges */
export interface ValueRanges {
  range?: ValueRange[];
}

/** mesos.v1.Value.Set */
export interface ValueSet {
  item?: string[];
}

/** mesos.v1.Value.Text */
export interface ValueText {
  value: string;
}

/** mesos.v1.Attribute */
export interface Attribute {
  name: string;
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  text?: ValueText;
  set?: ValueSet;
}

/** mesos.v1.Resource */
export interface Resource {
  name: string;
  type: ValueType;
  scalar?: ValueScalar;
  ranges?: ValueRanges;
  set?: ValueSet;
  role?: string; // default "*", deprecated
  disk?: ResourceDiskInfo;
  reservation?: ResourceReservationInfo;
  revocable?: ResourceRevocableInfo;
  shared?: ResourceSharedInfo;
  allocation_info?: ResourceAllocationInfo;
  provider_id?: ResourceProviderID;
  reservations?: ResourceReservationInfo[];
}

/** mesos.v1.Resource.AllocationInfo */
export interface ResourceAllocationInfo {
  role?: string;
}

/** mesos.v1.Resource.ReservationInfo */
export interface ResourceReservationInfo {
  principal?: string;
  labels?: Labels;
  role?: string;
  type?: ResourceReservationInfoType;
}

/** mesos.v1.Resource.ReservationInfo.Type */
export type ResourceReservationInfoType = 'UNKNOWN' | 'STATIC' | 'DYNAMIC';

/** mesos.v1.Resource.DiskInfo */
export interface ResourceDiskInfo {
  persistence?: ResourceDiskInfoPersistence;
  volume?: Volume;
  source?: ResourceDiskInfoSource;
}

/** mesos.v1.Resource.DiskInfo.Persistence */
export interface ResourceDiskInfoPersistence {
  id: string;
  principal?: string;
}

/** mesos.v1.Resource.DiskInfo.Source */
export interface ResourceDiskInfoSource {
  type: ResourceDiskInfoSourceType;
  path?: ResourceDiskInfoSourcePath;
  mount?: ResourceDiskInfoSourceMount;
  id?: string;
  metadata?: Labels;
  profile?: string;
  vendor?: string;
}

/** mesos.v1.Resource.DiskInfo.Source.Type */
export type ResourceDiskInfoSourceType = 'UNKNOWN' | 'PATH' | 'MOUNT' | 'BLOCK' | 'RAW';

/** mesos.v1.Resource.DiskInfo.Source.Path */
export interface ResourceDiskInfoSourcePath {
  root?: string;
}

/** mesos.v1.Resource.DiskInfo.Source.Mount */
export interface ResourceDiskInfoSourceMount {
  root?: string;
}

/** mesos.v1.Resource.RevocableInfo */
export type ResourceRevocableInfo = Record<string, never>;

/** mesos.v1.Resource.SharedInfo */
export type ResourceSharedInfo = Record<string, never>;

/** mesos.v1.Offer */
export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  resources?: Resource[];
  executor_ids?: ExecutorID[];
  attributes?: Attribute[];
  url?: URL;
  unavailability?: Unavailability;
  allocation_info?: ResourceAllocationInfo;
  domain?: DomainInfo;
}

/** mesos.v1.Offer.Operation */
export interface OfferOperation {
  type?: OfferOperationType;
  launch?: OfferOperationLaunch;
  reserve?: OfferOperationReserve;
  unreserve?: OfferOperationUnreserve;
  create?: OfferOperationCreate;
  destroy?: OfferOperationDestroy;
  launch_group?: OfferOperationLaunchGroup;
  id?: OperationID;
  grow_volume?: OfferOperationGrowVolume;
  shrink_volume?: OfferOperationShrinkVolume;
  create_disk?: OfferOperationCreateDisk;
  destroy_disk?: OfferOperationDestroyDisk;
}

/** mesos.v1.Offer.Operation.Type */
export type OfferOperationType =
  | 'UNKNOWN'
  | 'LAUNCH'
  | 'LAUNCH_GROUP'
  | 'RESERVE'
  | 'UNRESERVE'
  | 'CREATE'
  | 'DESTROY'
  | 'GROW_VOLUME'
  | 'SHRINK_VOLUME'
  | 'CREATE_DISK'
  | 'DESTROY_DISK';

/** mesos.v1.Offer.Operation.Launch */
export interface OfferOperationLaunch {
  task_infos?: TaskInfo[];
}

/** mesos.v1.Offer.Operation.LaunchGroup */
export interface OfferOperationLaunchGroup {
  executor: ExecutorInfo;
  task_group: TaskGroupInfo;
}

/** mesos.v1.Offer.Operation.Reserve */
export interface OfferOperationReserve {
  resources?: Resource[];
  source?: Resource[];
}

/** mesos.v1.Offer.Operation.Unreserve */
export interface OfferOperationUnreserve {
  resources?: Resource[];
}

/** mesos.v1.Offer.Operation.Create */
export interface OfferOperationCreate {
  volumes?: Resource[];
}

/** mesos.v1.Offer.Operation.Destroy */
export interface OfferOperationDestroy {
  volumes?: Resource[];
}

/** mesos.v1.Offer.Operation.GrowVolume */
export interface OfferOperationGrowVolume {
  volume: Resource;
  addition: Resource;
}

/** mesos.v1.Offer.Operation.ShrinkVolume */
export interface OfferOperationShrinkVolume {
  volume: Resource;
  subtract: ValueScalar;
}

/** mesos.v1.Offer.Operation.CreateDisk */
export interface OfferOperationCreateDisk {
  source: Resource;
  target_type: ResourceDiskInfoSourceType;
  target_profile?: string;
}

/** mesos.v1.Offer.Operation.DestroyDisk */
export interface OfferOperationDestroyDisk {
  source: Resource;
}

/** mesos.v1.Filters */
export interface Filters {
  refuse_seconds?: number; // default 5
}

/** mesos.v1.InverseOffer */
export interface InverseOffer {
  id: OfferID;
  url?: URL;
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability: Unavailability;
  resources?: Resource[];
}

/** mesos.v1.Unavailability */
export interface Unavailability {
  start: TimeInfo;
  duration?: DurationInfo;
}

/** mesos.v1.Request */
export interface Request {
  agent_id?: AgentID;
  resources?: Resource[];
}

/** mesos.v1.TaskInfo */
export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources?: Resource[];
  executor?: ExecutorInfo;
  data?: Uint8Array;
  command?: CommandInfo;
  health_check?: HealthCheck;
  container?: ContainerInfo;
  labels?: Labels;
  discovery?: DiscoveryInfo;
  kill_policy?: KillPolicy;
  check?: CheckInfo;
  max_completion_time?: DurationInfo;
  limits?: Record<string, ValueScalar>;
}

/** mesos.v1.TaskGroupInfo */
export interface TaskGroupInfo {
  tasks?: TaskInfo[];
}

/** mesos.v1.ExecutorInfo */
export interface ExecutorInfo {
  executor_id: ExecutorID;
  data?: Uint8Array;
  resources?: Resource[];
  command?: CommandInfo;
  framework_id?: FrameworkID;
  name?: string;
  source?: string; // deprecated
  container?: ContainerInfo;
  discovery?: DiscoveryInfo;
  shutdown_grace_period?: DurationInfo;
  labels?: Labels;
  type?: ExecutorInfoType;
}

/** mesos.v1.ExecutorInfo.Type */
export type ExecutorInfoType = 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';

/** mesos.v1.CommandInfo */
export interface CommandInfo {
  uris?: CommandInfoURI[];
  environment?: Environment;
  value?: string;
  user?: string;
  shell?: boolean; // default true
  arguments?: string[];
}

/** mesos.v1.CommandInfo.URI */
export interface CommandInfoURI {
  value: string;
  executable?: boolean;
  extract?: boolean; // default true
  cache?: boolean;
  output_file?: string;
}

/** mesos.v1.Environment */
export interface Environment {
  variables?: EnvironmentVariable[];
}

/** mesos.v1.Environment.Variable */
export interface EnvironmentVariable {
  name: string;
  value?: string;
  type?: EnvironmentVariableType; // default "VALUE"
  secret?: Secret;
}

/** mesos.v1.Environment.Variable.Type */
export type EnvironmentVariableType = 'UNKNOWN' | 'VALUE' | 'SECRET';

/** mesos.v1.Parameter */
export interface Parameter {
  key: string;
  value: string;
}

/** mesos.v1.Parameters */
export interface Parameters {
  parameter?: Parameter[];
}

/** mesos.v1.ContainerInfo */
export interface ContainerInfo {
  type: ContainerInfoType;
  volumes?: Volume[];
  docker?: ContainerInfoDockerInfo;
  hostname?: string;
  mesos?: ContainerInfoMesosInfo;
  network_infos?: NetworkInfo[];
  linux_info?: LinuxInfo;
  rlimit_info?: RLimitInfo;
  tty_info?: TTYInfo;
}

/** mesos.v1.ContainerInfo.Type */
export type ContainerInfoType = 'DOCKER' | 'MESOS';

/** mesos.v1.ContainerInfo.DockerInfo */
export interface ContainerInfoDockerInfo {
  image: string;
  network?: ContainerInfoDockerInfoNetwork; // default "HOST"
  port_mappings?: ContainerInfoDockerInfoPortMapping[];
  privileged?: boolean; // default false
  parameters?: Parameter[];
  force_pull_image?: boolean;
  volume_driver?: string; // deprecated
}

/** mesos.v1.ContainerInfo.DockerInfo.Network */
export type ContainerInfoDockerInfoNetwork = 'HOST' | 'BRIDGE' | 'NONE' | 'USER';

/** mesos.v1.ContainerInfo.DockerInfo.PortMapping */
export interface ContainerInfoDockerInfoPortMapping {
  host_port: number;
  container_port: number;
  protocol?: string;
}

/** mesos.v1.ContainerInfo.MesosInfo */
export interface ContainerInfoMesosInfo {
  image?: Image;
}

/** mesos.v1.Image */
export interface Image {
  type: ImageType;
  appc?: ImageAppc;
  docker?: ImageDocker;
  cached?: boolean; // default true
}

/** mesos.v1.Image.Type */
export type ImageType = 'APPC' | 'DOCKER';

/** mesos.v1.Image.Appc */
export interface ImageAppc {
  name: string;
  id?: string;
  labels?: Labels;
}

/** mesos.v1.Image.Docker */
export interface ImageDocker {
  name: string;
  credential?: Credential; // deprecated
  config?: Secret;
}

/** mesos.v1.Volume */
export interface Volume {
  container_path: string;
  host_path?: string;
  mode: VolumeMode;
  image?: Image;
  source?: VolumeSource;
}

/** mesos.v1.Volume.Mode */
export type VolumeMode = 'RW' | 'RO';

/** mesos.v1.Volume.Source */
export interface VolumeSource {
  type?: VolumeSourceType;
  docker_volume?: VolumeSourceDockerVolume;
  sandbox_path?: VolumeSourceSandboxPath;
  secret?: Secret;
  host_path?: VolumeSourceHostPath;
}

/** mesos.v1.Volume.Source.Type */
export type VolumeSourceType =
  'UNKNOWN' | 'DOCKER_VOLUME' | 'HOST_PATH' | 'SANDBOX_PATH' | 'SECRET' | 'CSI_VOLUME';

/** mesos.v1.Volume.Source.DockerVolume */
export interface VolumeSourceDockerVolume {
  driver?: string;
  name: string;
  driver_options?: Parameters;
}

/** mesos.v1.Volume.Source.HostPath */
export interface VolumeSourceHostPath {
  path: string;
  mount_propagation?: MountPropagation;
}

/** mesos.v1.Volume.Source.SandboxPath */
export interface VolumeSourceSandboxPath {
  type?: VolumeSourceSandboxPathType;
  path: string;
}

/** mesos.v1.Volume.Source.SandboxPath.Type */
export type VolumeSourceSandboxPathType = 'UNKNOWN' | 'SELF' | 'PARENT';

/** mesos.v1.NetworkInfo */
export interface NetworkInfo {
  groups?: string[];
  labels?: Labels;
  ip_addresses?: NetworkInfoIPAddress[];
  name?: string;
  port_mappings?: NetworkInfoPortMapping[];
}

/** mesos.v1.NetworkInfo.Protocol */
export type NetworkInfoProtocol = 'IPv4' | 'IPv6';

/** mesos.v1.NetworkInfo.IPAddress */
export interface NetworkInfoIPAddress {
  protocol?: NetworkInfoProtocol; // default "IPv4"
  ip_address?: string;
}

/** mesos.v1.NetworkInfo.PortMapping */
export interface NetworkInfoPortMapping {
  host_port: number;
  container_port: number;
  protocol?: string;
}

/** mesos.v1.LinuxInfo */
export interface LinuxInfo {
  capability_info?: CapabilityInfo; // deprecated
  bounding_capabilities?: CapabilityInfo;
  effective_capabilities?: CapabilityInfo;
  share_pid_namespace?: boolean;
  seccomp?: SeccompInfo;
  ipc_mode?: LinuxInfoIpcMode;
  shm_size?: number;
  share_cgroups?: boolean; // default true
}

/** mesos.v1.LinuxInfo.IpcMode */
export type LinuxInfoIpcMode = 'UNKNOWN' | 'PRIVATE' | 'SHARE_PARENT';

/** mesos.v1.RLimitInfo */
export interface RLimitInfo {
  rlimits?: RLimitInfoRLimit[];
}

/** mesos.v1.RLimitInfo.RLimit */
export interface RLimitInfoRLimit {
  type?: RLimitInfoRLimitType;
  hard?: number;
  soft?: number;
}

/** mesos.v1.RLimitInfo.RLimit.Type */
export type RLimitInfoRLimitType =
  | 'UNKNOWN'
  | 'RLMT_AS'
  | 'RLMT_CORE'
  | 'RLMT_CPU'
  | 'RLMT_DATA'
  | 'RLMT_FSIZE'
  | 'RLMT_LOCKS'
  | 'RLMT_MEMLOCK'
  | 'RLMT_MSGQUEUE'
  | 'RLMT_NICE'
  | 'RLMT_NOFILE'
  | 'RLMT_NPROC'
  | 'RLMT_RSS'
  | 'RLMT_RTPRIO'
  | 'RLMT_RTTIME'
  | 'RLMT_SIGPENDING'
  | 'RLMT_STACK';

/** mesos.v1.HealthCheck */
export interface HealthCheck {
  http?: HealthCheckHTTPCheckInfo;
  delay_seconds?: number; // default 15
  interval_seconds?: number; // default 10
  timeout_seconds?: number; // default 20
  consecutive_failures?: number; // default 3
  grace_period_seconds?: number; // default 10
  command?: CommandInfo;
  type?: HealthCheckType;
  tcp?: HealthCheckTCPCheckInfo;
}

/** mesos.v1.HealthCheck.Type */
export type HealthCheckType = 'UNKNOWN' | 'COMMAND' | 'HTTP' | 'TCP';

/** mesos.v1.HealthCheck.HTTPCheckInfo */
export interface HealthCheckHTTPCheckInfo {
  port: number;
  path?: string;
  scheme?: string;
  statuses?: number[];
  protocol?: NetworkInfoProtocol; // default "IPv4"
}

/** mesos.v1.HealthCheck.TCPCheckInfo */
export interface HealthCheckTCPCheckInfo {
  port: number;
  protocol?: NetworkInfoProtocol; // default "IPv4"
}

/** mesos.v1.CheckInfo */
export interface CheckInfo {
  type?: CheckInfoType;
  command?: CheckInfoCommand;
  http?: CheckInfoHttp;
  delay_seconds?: number; // default 15
  interval_seconds?: number; // default 10
  timeout_seconds?: number; // default 20
  tcp?: CheckInfoTcp;
}

/** mesos.v1.CheckInfo.Type */
export type CheckInfoType = 'UNKNOWN' | 'COMMAND' | 'HTTP' | 'TCP';

/** mesos.v1.CheckInfo.Command */
export interface CheckInfoCommand {
  command: CommandInfo;
}

/** mesos.v1.CheckInfo.Http */
export interface CheckInfoHttp {
  port: number;
  path?: string;
}

/** mesos.v1.CheckInfo.Tcp */
export interface CheckInfoTcp {
  port: number;
}

/** mesos.v1.KillPolicy */
export interface KillPolicy {
  grace_period?: DurationInfo;
}

/** mesos.v1.DurationInfo */
export interface DurationInfo {
  nanoseconds: number;
}

/** mesos.v1.TimeInfo */
export interface TimeInfo {
  nanoseconds: number;
}

/** mesos.v1.Labels */
export interface Labels {
  labels?: Label[];
}

/** mesos.v1.Label */
export interface Label {
  key: string;
  value?: string;
}

/** mesos.v1.DiscoveryInfo */
export interface DiscoveryInfo {
  visibility: DiscoveryInfoVisibility;
  name?: string;
  environment?: string;
  location?: string;
  version?: string;
  ports?: Ports;
  labels?: Labels;
}

/** mesos.v1.DiscoveryInfo.Visibility */
export type DiscoveryInfoVisibility = 'FRAMEWORK' | 'CLUSTER' | 'EXTERNAL';

/** mesos.v1.Ports */
export interface Ports {
  ports?: Port[];
}

/** mesos.v1.Port */
export interface Port {
  number: number;
  name?: string;
  protocol?: string;
  visibility?: DiscoveryInfoVisibility;
  labels?: Labels;
}

/** mesos.v1.TaskState */
export type TaskState =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

/** mesos.v1.TaskStatus */
export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  data?: Uint8Array;
  message?: string;
  agent_id?: AgentID;
  timestamp?: number;
  executor_id?: ExecutorID;
  healthy?: boolean;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  uuid?: Uint8Array;
  labels?: Labels;
  container_status?: ContainerStatus;
  unreachable_time?: TimeInfo;
  check_status?: CheckStatusInfo;
  limitation?: TaskResourceLimitation;
}

/** mesos.v1.TaskStatus.Source */
export type TaskStatusSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

/** mesos.v1.TaskStatus.Reason */
export type TaskStatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_CONTAINER_LIMITATION'
  | 'REASON_CONTAINER_LIMITATION_DISK'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_CONTAINER_PREEMPTED'
  | 'REASON_CONTAINER_UPDATE_FAILED'
  | 'REASON_MAX_COMPLETION_TIME_REACHED'
  | 'REASON_EXECUTOR_REGISTRATION_TIMEOUT'
  | 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_EXECUTOR_UNREGISTERED'
  | 'REASON_FRAMEWORK_REMOVED'
  | 'REASON_GC_ERROR'
  | 'REASON_INVALID_FRAMEWORKID'
  | 'REASON_INVALID_OFFERS'
  | 'REASON_IO_SWITCHBOARD_EXITED'
  | 'REASON_MASTER_DISCONNECTED'
  | 'REASON_RECONCILIATION'
  | 'REASON_RESOURCES_UNKNOWN'
  | 'REASON_AGENT_DISCONNECTED'
  | 'REASON_AGENT_DRAINING'
  | 'REASON_AGENT_REMOVED'
  | 'REASON_AGENT_REMOVED_BY_OPERATOR'
  | 'REASON_AGENT_REREGISTERED'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_AGENT_UNKNOWN'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_TASK_CHECK_STATUS_UPDATED'
  | 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED'
  | 'REASON_TASK_GROUP_INVALID'
  | 'REASON_TASK_GROUP_UNAUTHORIZED'
  | 'REASON_TASK_INVALID'
  | 'REASON_TASK_UNAUTHORIZED'
  | 'REASON_TASK_UNKNOWN';

/** mesos.v1.ContainerStatus */
export interface ContainerStatus {
  network_infos?: NetworkInfo[];
  cgroup_info?: CgroupInfo;
  executor_pid?: number;
  container_id?: ContainerID;
}

/** mesos.v1.CheckStatusInfo */
export interface CheckStatusInfo {
  type?: CheckInfoType;
  command?: CheckStatusInfoCommand;
  http?: CheckStatusInfoHttp;
  tcp?: CheckStatusInfoTcp;
}

/** mesos.v1.CheckStatusInfo.Command */
export interface CheckStatusInfoCommand {
  exit_code?: number;
}

/** mesos.v1.CheckStatusInfo.Http */
export interface CheckStatusInfoHttp {
  status_code?: number;
}

/** mesos.v1.CheckStatusInfo.Tcp */
export interface CheckStatusInfoTcp {
  succeeded?: boolean;
}

/** mesos.v1.TaskResourceLimitation */
export interface TaskResourceLimitation {
  resources?: Resource[];
}

/** mesos.v1.OperationStatus */
export interface OperationStatus {
  operation_id?: OperationID;
  state: OperationState;
  message?: string;
  converted_resources?: Resource[];
  uuid?: UUID;
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
}

/** mesos.v1.OperationState */
export type OperationState =
  | 'OPERATION_UNSUPPORTED'
  | 'OPERATION_PENDING'
  | 'OPERATION_FINISHED'
  | 'OPERATION_FAILED'
  | 'OPERATION_ERROR'
  | 'OPERATION_DROPPED'
  | 'OPERATION_UNREACHABLE'
  | 'OPERATION_GONE_BY_OPERATOR'
  | 'OPERATION_RECOVERING'
  | 'OPERATION_UNKNOWN';

/** mesos.v1.Secret */
export interface Secret {
  type?: SecretType;
  reference?: SecretReference;
  value?: SecretValue;
}

/** mesos.v1.Secret.Type */
export type SecretType = 'UNKNOWN' | 'REFERENCE' | 'VALUE';

/** mesos.v1.Secret.Reference */
export interface SecretReference {
  name: string;
  key?: string;
}

/** mesos.v1.Secret.Value */
export interface SecretValue {
  data: Uint8Array;
}

/** mesos.v1.Credential */
export interface Credential {
  principal: string;
  secret?: string;
}

/** mesos.v1.TTYInfo */
export interface TTYInfo {
  window_size?: TTYInfoWindowSize;
}

/** mesos.v1.TTYInfo.WindowSize */
export interface TTYInfoWindowSize {
  rows: number;
  columns: number;
}

/** mesos.v1.MountPropagation */
export interface MountPropagation {
  mode?: MountPropagationMode;
}

/** mesos.v1.MountPropagation.Mode */
export type MountPropagationMode = 'UNKNOWN' | 'HOST_TO_CONTAINER' | 'BIDIRECTIONAL';

/** mesos.v1.CapabilityInfo */
export interface CapabilityInfo {
  capabilities?: CapabilityInfoCapability[];
}

/** mesos.v1.CapabilityInfo.Capability */
export type CapabilityInfoCapability =
  | 'UNKNOWN'
  | 'CHOWN'
  | 'DAC_OVERRIDE'
  | 'DAC_READ_SEARCH'
  | 'FOWNER'
  | 'FSETID'
  | 'KILL'
  | 'SETGID'
  | 'SETUID'
  | 'SETPCAP'
  | 'LINUX_IMMUTABLE'
  | 'NET_BIND_SERVICE'
  | 'NET_BROADCAST'
  | 'NET_ADMIN'
  | 'NET_RAW'
  | 'IPC_LOCK'
  | 'IPC_OWNER'
  | 'SYS_MODULE'
  | 'SYS_RAWIO'
  | 'SYS_CHROOT'
  | 'SYS_PTRACE'
  | 'SYS_PACCT'
  | 'SYS_ADMIN'
  | 'SYS_BOOT'
  | 'SYS_NICE'
  | 'SYS_RESOURCE'
  | 'SYS_TIME'
  | 'SYS_TTY_CONFIG'
  | 'MKNOD'
  | 'LEASE'
  | 'AUDIT_WRITE'
  | 'AUDIT_CONTROL'
  | 'SETFCAP'
  | 'MAC_OVERRIDE'
  | 'MAC_ADMIN'
  | 'SYSLOG'
  | 'WAKE_ALARM'
  | 'BLOCK_SUSPEND'
  | 'AUDIT_READ';

/** mesos.v1.SeccompInfo */
export interface SeccompInfo {
  profile_name?: string;
  unconfined?: boolean;
}

/** mesos.v1.CgroupInfo */
export interface CgroupInfo {
  net_cls?: CgroupInfoNetCls;
}

/** mesos.v1.CgroupInfo.NetCls */
export interface CgroupInfoNetCls {
  classid?: number;
}

/** mesos.v1.scheduler.Call */
export interface SchedulerCall {
  framework_id?: FrameworkID;
  type?: SchedulerCallType;
  subscribe?: SchedulerCallSubscribe;
  accept?: SchedulerCallAccept;
  decline?: SchedulerCallDecline;
  kill?: SchedulerCallKill;
  shutdown?: SchedulerCallShutdown;
  acknowledge?: SchedulerCallAcknowledge;
  reconcile?: SchedulerCallReconcile;
  message?: SchedulerCallMessage;
  request?: SchedulerCallRequest;
  accept_inverse_offers?: SchedulerCallAcceptInverseOffers;
  decline_inverse_offers?: SchedulerCallDeclineInverseOffers;
  revive?: SchedulerCallRevive;
  suppress?: SchedulerCallSuppress;
  acknowledge_operation_status?: SchedulerCallAcknowledgeOperationStatus;
  reconcile_operations?: SchedulerCallReconcileOperations;
  update_framework?: SchedulerCallUpdateFramework;
}

/** mesos.v1.scheduler.Call.Type */
export type SchedulerCallType =
  | 'UNKNOWN'
  | 'SUBSCRIBE'
  | 'TEARDOWN'
  | 'ACCEPT'
  | 'DECLINE'
  | 'ACCEPT_INVERSE_OFFERS'
  | 'DECLINE_INVERSE_OFFERS'
  | 'REVIVE'
  | 'KILL'
  | 'SHUTDOWN'
  | 'ACKNOWLEDGE'
  | 'ACKNOWLEDGE_OPERATION_STATUS'
  | 'RECONCILE'
  | 'RECONCILE_OPERATIONS'
  | 'MESSAGE'
  | 'REQUEST'
  | 'SUPPRESS'
  | 'UPDATE_FRAMEWORK';

/** mesos.v1.scheduler.Call.Subscribe */
export interface SchedulerCallSubscribe {
  framework_info: FrameworkInfo;
  suppressed_roles?: string[];
  offer_constraints?: SchedulerOfferConstraints;
}

/** mesos.v1.scheduler.Call.Accept */
export interface SchedulerCallAccept {
  offer_ids?: OfferID[];
  operations?: OfferOperation[];
  filters?: Filters;
}

/** mesos.v1.scheduler.Call.Decline */
export interface SchedulerCallDecline {
  offer_ids?: OfferID[];
  filters?: Filters;
}

/** mesos.v1.scheduler.Call.AcceptInverseOffers */
export interface SchedulerCallAcceptInverseOffers {
  inverse_offer_ids?: OfferID[];
  filters?: Filters;
}

/** mesos.v1.scheduler.Call.DeclineInverseOffers */
export interface SchedulerCallDeclineInverseOffers {
  inverse_offer_ids?: OfferID[];
  filters?: Filters;
}

/** mesos.v1.scheduler.Call.Revive */
export interface SchedulerCallRevive {
  roles?: string[];
}

/** mesos.v1.scheduler.Call.Kill */
export interface SchedulerCallKill {
  task_id: TaskID;
  agent_id?: AgentID;
  kill_policy?: KillPolicy;
}

/** mesos.v1.scheduler.Call.Shutdown */
export interface SchedulerCallShutdown {
  executor_id: ExecutorID;
  agent_id: AgentID;
}

/** mesos.v1.scheduler.Call.Acknowledge */
export interface SchedulerCallAcknowledge {
  agent_id: AgentID;
  task_id: TaskID;
  uuid: Uint8Array;
}

/** mesos.v1.scheduler.Call.AcknowledgeOperationStatus */
export interface SchedulerCallAcknowledgeOperationStatus {
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
  uuid: Uint8Array;
  operation_id: OperationID;
}

/** mesos.v1.scheduler.Call.Reconcile */
export interface SchedulerCallReconcile {
  tasks?: SchedulerCallReconcileTask[];
}

/** mesos.v1.scheduler.Call.Reconcile.Task */
export interface SchedulerCallReconcileTask {
  task_id: TaskID;
  agent_id?: AgentID;
}

/** mesos.v1.scheduler.Call.ReconcileOperations */
export interface SchedulerCallReconcileOperations {
  operations?: SchedulerCallReconcileOperationsOperation[];
}

/** mesos.v1.scheduler.Call.ReconcileOperations.Operation */
export interface SchedulerCallReconcileOperationsOperation {
  operation_id: OperationID;
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
}

/** mesos.v1.scheduler.Call.Message */
export interface SchedulerCallMessage {
  agent_id: AgentID;
  executor_id: ExecutorID;
  data: Uint8Array;
}

/** mesos.v1.scheduler.Call.Request */
export interface SchedulerCallRequest {
  requests?: Request[];
}

/** mesos.v1.scheduler.Call.Suppress */
export interface SchedulerCallSuppress {
  roles?: string[];
}

/** mesos.v1.scheduler.Call.UpdateFramework */
export interface SchedulerCallUpdateFramework {
  framework_info: FrameworkInfo;
  suppressed_roles?: string[];
  offer_constraints?: SchedulerOfferConstraints;
}

/** mesos.v1.scheduler.Event */
export interface SchedulerEvent {
  type?: SchedulerEventType;
  subscribed?: SchedulerEventSubscribed;
  offers?: SchedulerEventOffers;
  rescind?: SchedulerEventRescind;
  update?: SchedulerEventUpdate;
  message?: SchedulerEventMessage;
  failure?: SchedulerEventFailure;
  error?: SchedulerEventError;
  inverse_offers?: SchedulerEventInverseOffers;
  rescind_inverse_offer?: SchedulerEventRescindInverseOffer;
  update_operation_status?: SchedulerEventUpdateOperationStatus;
}

/** mesos.v1.scheduler.Event.Type */
export type SchedulerEventType =
  | 'UNKNOWN'
  | 'SUBSCRIBED'
  | 'OFFERS'
  | 'INVERSE_OFFERS'
  | 'RESCIND'
  | 'RESCIND_INVERSE_OFFER'
  | 'UPDATE'
  | 'UPDATE_OPERATION_STATUS'
  | 'MESSAGE'
  | 'FAILURE'
  | 'ERROR'
  | 'HEARTBEAT';

/** mesos.v1.scheduler.Event.Subscribed */
export interface SchedulerEventSubscribed {
  framework_id: FrameworkID;
  heartbeat_interval_seconds?: number;
  master_info?: MasterInfo;
}

/** mesos.v1.scheduler.Event.Offers */
export interface SchedulerEventOffers {
  offers?: Offer[];
}

/** mesos.v1.scheduler.Event.InverseOffers */
export interface SchedulerEventInverseOffers {
  inverse_offers?: InverseOffer[];
}

/** mesos.v1.scheduler.Event.Rescind */
export interface SchedulerEventRescind {
  offer_id: OfferID;
}

/** mesos.v1.scheduler.Event.RescindInverseOffer */
export interface SchedulerEventRescindInverseOffer {
  inverse_offer_id: OfferID;
}

/** mesos.v1.scheduler.Event.Update */
export interface SchedulerEventUpdate {
  status: TaskStatus;
}

/** mesos.v1.scheduler.Event.UpdateOperationStatus */
export interface SchedulerEventUpdateOperationStatus {
  status: OperationStatus;
}

/** mesos.v1.scheduler.Event.Message */
export interface SchedulerEventMessage {
  agent_id: AgentID;
  executor_id: ExecutorID;
  data: Uint8Array;
}

/** mesos.v1.scheduler.Event.Failure */
export interface SchedulerEventFailure {
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  status?: number;
}

/** mesos.v1.scheduler.Event.Error */
export interface SchedulerEventError {
  message: string;
}

/** mesos.v1.scheduler.OfferConstraints */
export interface SchedulerOfferConstraints {
  role_constraints?: Record<string, SchedulerOfferConstraintsRoleConstraints>;
}

/** mesos.v1.scheduler.OfferConstraints.RoleConstraints */
export interface SchedulerOfferConstraintsRoleConstraints {
  groups?: SchedulerOfferConstraintsRoleConstraintsGroup[];
}

/** mesos.v1.scheduler.OfferConstraints.RoleConstraints.Group */
export interface SchedulerOfferConstraintsRoleConstraintsGroup {
  attribute_constraints?: SchedulerAttributeConstraint[];
}

/** mesos.v1.scheduler.AttributeConstraint */
export interface SchedulerAttributeConstraint {
  selector: SchedulerAttributeConstraintSelector;
  predicate: SchedulerAttributeConstraintPredicate;
}

/** mesos.v1.scheduler.AttributeConstraint.Selector */
export interface SchedulerAttributeConstraintSelector {
  pseudoattribute_type?: SchedulerAttributeConstraintSelectorPseudoattributeType;
  attribute_name?: string;
}

/** mesos.v1.scheduler.AttributeConstraint.Selector.PseudoattributeType */
export type SchedulerAttributeConstraintSelectorPseudoattributeType =
  'UNKNOWN' | 'HOSTNAME' | 'REGION' | 'ZONE';

/** mesos.v1.scheduler.AttributeConstraint.Predicate */
export interface SchedulerAttributeConstraintPredicate {
  exists?: SchedulerAttributeConstraintPredicateExists;
  not_exists?: SchedulerAttributeConstraintPredicateNotExists;
  text_equals?: SchedulerAttributeConstraintPredicateTextEquals;
  text_not_equals?: SchedulerAttributeConstraintPredicateTextNotEquals;
  text_matches?: SchedulerAttributeConstraintPredicateTextMatches;
  text_not_matches?: SchedulerAttributeConstraintPredicateTextNotMatches;
}

/** mesos.v1.scheduler.AttributeConstraint.Predicate.Exists */
export type SchedulerAttributeConstraintPredicateExists = Record<string, never>;

/** mesos.v1.scheduler.AttributeConstraint.Predicate.NotExists */
export type SchedulerAttributeConstraintPredicateNotExists = Record<string, never>;

/** mesos.v1.scheduler.AttributeConstraint.Predicate.TextEquals */
export interface SchedulerAttributeConstraintPredicateTextEquals {
  value: string;
}

/** mesos.v1.scheduler.AttributeConstraint.Predicate.TextNotEquals */
export interface SchedulerAttributeConstraintPredicateTextNotEquals {
  value: string;
}

/** mesos.v1.scheduler.AttributeConstraint.Predicate.TextMatches */
export interface SchedulerAttributeConstraintPredicateTextMatches {
  regex: string;
}

/** mesos.v1.scheduler.AttributeConstraint.Predicate.TextNotMatches */
export interface SchedulerAttributeConstraintPredicateTextNotMatches {
  regex: string;
}

/** mesos.v1.executor.Call */
export interface ExecutorCall {
  executor_id: ExecutorID;
  framework_id: FrameworkID;
  type?: ExecutorCallType;
  subscribe?: ExecutorCallSubscribe;
  update?: ExecutorCallUpdate;
  message?: ExecutorCallMessage;
}

/** mesos.v1.executor.Call.Type */
export type ExecutorCallType = 'UNKNOWN' | 'SUBSCRIBE' | 'UPDATE' | 'MESSAGE' | 'HEARTBEAT';

/** mesos.v1.executor.Call.Subscribe */
export interface ExecutorCallSubscribe {
  unacknowledged_tasks?: TaskInfo[];
  unacknowledged_updates?: ExecutorCallUpdate[];
}

/** mesos.v1.executor.Call.Update */
export interface ExecutorCallUpdate {
  status: TaskStatus;
}

/** mesos.v1.executor.Call.Message */
export interface ExecutorCallMessage {
  data: Uint8Array;
}

/** mesos.v1.executor.Event */
export interface ExecutorEvent {
  type?: ExecutorEventType;
  subscribed?: ExecutorEventSubscribed;
  acknowledged?: ExecutorEventAcknowledged;
  launch?: ExecutorEventLaunch;
  kill?: ExecutorEventKill;
  message?: ExecutorEventMessage;
  error?: ExecutorEventError;
  launch_group?: ExecutorEventLaunchGroup;
}

/** mesos.v1.executor.Event.Type */
export type ExecutorEventType =
  | 'UNKNOWN'
  | 'SUBSCRIBED'
  | 'LAUNCH'
  | 'LAUNCH_GROUP'
  | 'KILL'
  | 'ACKNOWLEDGED'
  | 'MESSAGE'
  | 'ERROR'
  | 'SHUTDOWN'
  | 'HEARTBEAT';

/** mesos.v1.executor.Event.Subscribed */
export interface ExecutorEventSubscribed {
  executor_info: ExecutorInfo;
  framework_info: FrameworkInfo;
  agent_info: AgentInfo;
  container_id?: ContainerID;
}

/** mesos.v1.executor.Event.Launch */
export interface ExecutorEventLaunch {
  task: TaskInfo;
}

/** mesos.v1.executor.Event.LaunchGroup */
export interface ExecutorEventLaunchGroup {
  task_group: TaskGroupInfo;
}

/** mesos.v1.executor.Event.Kill */
export interface ExecutorEventKill {
  task_id: TaskID;
  kill_policy?: KillPolicy;
}

/** mesos.v1.executor.Event.Acknowledged */
export interface ExecutorEventAcknowledged {
  task_id: TaskID;
  uuid: Uint8Array;
}

/** mesos.v1.executor.Event.Message */
export interface ExecutorEventMessage {
  data: Uint8Array;
}

/** mesos.v1.executor.Event.Error */
export interface ExecutorEventError {
  message: string;
}

/** mesos.v1.ContainerInfo.DockerInfo (Docker containerizer settings). */
export type DockerInfo = ContainerInfoDockerInfo;
/** mesos.v1.ContainerInfo.MesosInfo (Mesos containerizer settings). */
export type MesosInfo = ContainerInfoMesosInfo;
/** mesos.v1.FrameworkInfo.Capability.Type (GPU_RESOURCES, MULTI_ROLE, ...). */
export type FrameworkCapabilityType = FrameworkInfoCapabilityType;

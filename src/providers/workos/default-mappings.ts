import type { DefaultMapping } from '../../map/mapping-service.js';
import type { ValueSpec } from '../../map/value-spec.js';

/** Collection holding directory groups; directory users subscribe to their groups. */
export const DIRECTORY_GROUPS = 'directory_groups';
/** Collection of WorkOS organizations; an organization's admins subscribe to it. */
export const ORGANIZATIONS = 'organizations';

/** Workflow triggered when an SSO connection is activated; create it to send notifications. */
export const CONNECTION_ACTIVATED_WORKFLOW = 'sso-connection-activated';
export const CONNECTION_DEACTIVATED_WORKFLOW = 'sso-connection-deactivated';

/**
 * Identify parameters for a directory user snapshot at `root` (`body.data` in user events,
 * `body.data.user` in group membership events). The email falls back to the primary entry of the
 * deprecated `emails` list, and the name to first and last name.
 */
function directoryUserIdentity(root: string): Record<string, ValueSpec> {
  return {
    id: `${root}.id`,
    email: {
      first_of: [
        `${root}.email`,
        { find: `${root}.emails`, where: { primary: true }, select: 'value' },
        `${root}.emails[0].value`,
      ],
    },
    name: {
      first_of: [
        `${root}.name`,
        { template: `{{ ${root}.first_name }} {{ ${root}.last_name }}`, missing: 'empty' },
      ],
    },
    locale: `${root}.raw_attributes.locale`,
    properties: {
      object: {
        first_name: `${root}.first_name`,
        last_name: `${root}.last_name`,
        organization_id: `${root}.organization_id`,
        directory_id: `${root}.directory_id`,
        idp_id: `${root}.idp_id`,
        state: `${root}.state`,
        role: `${root}.role.slug`,
        roles: `${root}.roles`,
        job_title: `${root}.job_title`,
        custom_attributes: `${root}.custom_attributes`,
      },
    },
    source_updated_at: `${root}.updated_at`,
  };
}

function directoryGroup(root: string): Record<string, ValueSpec> {
  return {
    collection: { literal: DIRECTORY_GROUPS },
    id: `${root}.id`,
    name: `${root}.name`,
    properties: {
      object: {
        organization_id: `${root}.organization_id`,
        directory_id: `${root}.directory_id`,
        idp_id: `${root}.idp_id`,
      },
    },
    source_updated_at: `${root}.updated_at`,
  };
}

const ADMIN_ROLE = { path: 'body.data.role.slug', operator: 'equal_to' as const, value: 'admin' };
const organizationOfUser: Record<string, ValueSpec> = {
  collection: { literal: ORGANIZATIONS },
  id: 'body.data.organization_id',
  recipients: 'body.data.id',
};

function connectionTrigger(workflow: string): Record<string, ValueSpec> {
  return {
    workflow: { literal: workflow },
    recipients: {
      object: { collection: { literal: ORGANIZATIONS }, id: 'body.data.organization_id' },
    },
    tenant: 'body.data.organization_id',
    data: {
      object: {
        connection_id: 'body.data.id',
        connection_name: 'body.data.name',
        connection_type: 'body.data.connection_type',
        state: 'body.data.state',
        organization_id: 'body.data.organization_id',
        domains: 'body.data.domains',
      },
    },
  };
}

const userManagementIdentity: Record<string, ValueSpec> = {
  id: 'body.data.id',
  email: 'body.data.email',
  name: {
    first_of: [
      'body.data.name',
      { template: '{{ body.data.first_name }} {{ body.data.last_name }}', missing: 'empty' },
    ],
  },
  avatar: 'body.data.profile_picture_url',
  locale: 'body.data.locale',
  properties: {
    object: {
      first_name: 'body.data.first_name',
      last_name: 'body.data.last_name',
      email_verified: 'body.data.email_verified',
      external_id: 'body.data.external_id',
      metadata: 'body.data.metadata',
    },
  },
  source_updated_at: 'body.data.updated_at',
};

const organizationTenant: Record<string, ValueSpec> = {
  id: 'body.data.id',
  name: 'body.data.name',
  properties: {
    object: {
      external_id: 'body.data.external_id',
      metadata: 'body.data.metadata',
      domains: 'body.data.domains',
    },
  },
  source_updated_at: 'body.data.updated_at',
};

/**
 * Mappings installed on every environment of a new WorkOS source. Directory users become users,
 * groups become objects their members subscribe to, admins subscribe to their organization's
 * object (the recipients of SSO connection notifications), and organizations become tenants.
 */
export const WORKOS_DEFAULT_MAPPINGS: readonly DefaultMapping[] = [
  {
    key: 'dsync.user.created:identify',
    event_type: 'dsync.user.created',
    action_type: 'users_identify',
    parameters: directoryUserIdentity('body.data'),
  },
  {
    key: 'dsync.user.created:subscribe-admin',
    event_type: 'dsync.user.created',
    action_type: 'objects_subscribe',
    parameters: organizationOfUser,
    conditions: [ADMIN_ROLE],
  },
  {
    key: 'dsync.user.updated:identify',
    event_type: 'dsync.user.updated',
    action_type: 'users_identify',
    parameters: directoryUserIdentity('body.data'),
  },
  {
    key: 'dsync.user.updated:subscribe-admin',
    event_type: 'dsync.user.updated',
    action_type: 'objects_subscribe',
    parameters: organizationOfUser,
    conditions: [ADMIN_ROLE],
  },
  {
    key: 'dsync.user.updated:unsubscribe-non-admin',
    event_type: 'dsync.user.updated',
    action_type: 'objects_unsubscribe',
    parameters: {
      collection: { literal: ORGANIZATIONS },
      id: 'body.data.organization_id',
      recipients: 'body.data.id',
    },
    conditions: [{ ...ADMIN_ROLE, operator: 'not_equal_to' }],
  },
  {
    key: 'dsync.user.deleted:delete',
    event_type: 'dsync.user.deleted',
    action_type: 'users_delete',
    parameters: { id: 'body.data.id', source_time: 'body.data.updated_at' },
  },
  {
    key: 'dsync.group.created:set',
    event_type: 'dsync.group.created',
    action_type: 'objects_set',
    parameters: directoryGroup('body.data'),
  },
  {
    key: 'dsync.group.updated:set',
    event_type: 'dsync.group.updated',
    action_type: 'objects_set',
    parameters: directoryGroup('body.data'),
  },
  {
    key: 'dsync.group.deleted:delete',
    event_type: 'dsync.group.deleted',
    action_type: 'objects_delete',
    parameters: {
      collection: { literal: DIRECTORY_GROUPS },
      id: 'body.data.id',
      source_time: 'body.data.updated_at',
    },
  },
  // Memberships can arrive before the user or group they name, so they upsert both snapshots
  // first; stale snapshots are skipped by the staleness check.
  {
    key: 'dsync.group.user_added:identify',
    event_type: 'dsync.group.user_added',
    action_type: 'users_identify',
    parameters: directoryUserIdentity('body.data.user'),
  },
  {
    key: 'dsync.group.user_added:set-group',
    event_type: 'dsync.group.user_added',
    action_type: 'objects_set',
    parameters: directoryGroup('body.data.group'),
  },
  {
    key: 'dsync.group.user_added:subscribe',
    event_type: 'dsync.group.user_added',
    action_type: 'objects_subscribe',
    parameters: {
      collection: { literal: DIRECTORY_GROUPS },
      id: 'body.data.group.id',
      recipients: 'body.data.user.id',
      // The event time orders membership changes: a late retry of an older one is stale.
      source_time: 'body.created_at',
    },
  },
  {
    key: 'dsync.group.user_removed:unsubscribe',
    event_type: 'dsync.group.user_removed',
    action_type: 'objects_unsubscribe',
    parameters: {
      collection: { literal: DIRECTORY_GROUPS },
      id: 'body.data.group.id',
      recipients: 'body.data.user.id',
      // The event time orders membership changes: a late retry of an older one is stale.
      source_time: 'body.created_at',
    },
  },
  {
    key: 'dsync.activated:tenant',
    event_type: 'dsync.activated',
    action_type: 'tenants_set',
    parameters: {
      id: 'body.data.organization_id',
      properties: {
        object: {
          directory: {
            object: {
              id: 'body.data.id',
              name: 'body.data.name',
              type: 'body.data.type',
              state: 'body.data.state',
            },
          },
          domains: 'body.data.domains',
        },
      },
    },
  },
  {
    key: 'connection.activated:trigger',
    event_type: 'connection.activated',
    action_type: 'workflows_trigger',
    parameters: connectionTrigger(CONNECTION_ACTIVATED_WORKFLOW),
  },
  {
    key: 'connection.deactivated:trigger',
    event_type: 'connection.deactivated',
    action_type: 'workflows_trigger',
    parameters: connectionTrigger(CONNECTION_DEACTIVATED_WORKFLOW),
  },
  {
    key: 'user.created:identify',
    event_type: 'user.created',
    action_type: 'users_identify',
    parameters: userManagementIdentity,
  },
  {
    key: 'user.updated:identify',
    event_type: 'user.updated',
    action_type: 'users_identify',
    parameters: userManagementIdentity,
  },
  {
    key: 'user.deleted:delete',
    event_type: 'user.deleted',
    action_type: 'users_delete',
    parameters: { id: 'body.data.id', source_time: 'body.data.updated_at' },
  },
  {
    key: 'organization.created:tenant',
    event_type: 'organization.created',
    action_type: 'tenants_set',
    parameters: organizationTenant,
  },
  {
    key: 'organization.updated:tenant',
    event_type: 'organization.updated',
    action_type: 'tenants_set',
    parameters: organizationTenant,
  },
  {
    key: 'organization.deleted:delete',
    event_type: 'organization.deleted',
    action_type: 'tenants_delete',
    parameters: { id: 'body.data.id', source_time: 'body.data.updated_at' },
  },
];

// The OpenAPI 3.1 description of /v1, served at /v1/openapi.json. Kept beside the routes it describes.
const job = { $ref: '#/components/schemas/JobStatus' };
const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: error } },
});
const jobIdParam = { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'nodal scheduler API',
    version: '1',
    description: 'Submit, watch, scale and kill distributed training jobs running on Apache Mesos.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              details: { type: 'object' },
            },
          },
        },
      },
      JobSpec: {
        type: 'object',
        description: 'A training job; see config/jobs/*.json for examples. Unknown keys are rejected.',
      },
      JobSummary: {
        type: 'object',
        required: ['id', 'name', 'state', 'workers', 'step', 'examplesSeen'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          state: { enum: ['pending', 'running', 'succeeded', 'failed', 'killed'] },
          reason: { type: 'string' },
          workers: {
            type: 'object',
            properties: {
              min: { type: 'integer' },
              max: { type: 'integer' },
              desired: { type: 'integer' },
              running: { type: 'integer' },
            },
          },
          step: { type: 'integer' },
          examplesSeen: { type: 'integer' },
          loss: { type: 'number' },
          valAccuracy: { type: 'number' },
          valAuc: { type: 'number' },
          restarts: { type: 'integer' },
        },
      },
      JobStatus: {
        allOf: [
          { $ref: '#/components/schemas/JobSummary' },
          {
            type: 'object',
            properties: {
              conditions: { type: 'array', items: { type: 'object' } },
              progress: { type: 'object' },
              history: { type: 'object' },
              tasks: { type: 'array', items: { type: 'object' } },
            },
          },
        ],
      },
      Scale: {
        type: 'object',
        required: ['workers'],
        additionalProperties: false,
        properties: { workers: { type: 'integer', minimum: 0 } },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/health': {
      get: {
        summary: 'Subscribed to a master and store reachable (no auth; for Marathon health checks)',
        security: [],
        responses: { '200': { description: 'healthy' }, '503': { description: 'unhealthy' } },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition' } } },
    },
    '/v1/jobs': {
      get: {
        summary: 'List jobs',
        responses: {
          '200': {
            description: 'jobs',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/JobSummary' } } },
                },
              },
            },
          },
        },
      },
      post: {
        summary: 'Submit a job',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/JobSpec' } } },
        },
        responses: {
          '201': { description: 'created', content: { 'application/json': { schema: job } } },
          '400': errorResponse('invalid spec'),
          '409': errorResponse('a job with this id exists'),
          '413': errorResponse('body too large'),
          '415': errorResponse('not JSON'),
        },
      },
    },
    '/v1/jobs/{jobId}': {
      parameters: [jobIdParam],
      get: {
        summary: "A job's status",
        responses: {
          '200': { description: 'status', content: { 'application/json': { schema: job } } },
          '404': errorResponse('no such job'),
        },
      },
      delete: {
        summary: 'Kill a job',
        responses: {
          '200': { description: 'killed', content: { 'application/json': { schema: job } } },
          '404': errorResponse('no such job'),
        },
      },
    },
    '/v1/jobs/{jobId}/scale': {
      parameters: [jobIdParam],
      post: {
        summary:
          "Set the desired number of workers (clamped to the job's [min, max]; the response shows the result)",
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Scale' } } },
        },
        responses: {
          '200': { description: 'scaled', content: { 'application/json': { schema: job } } },
          '400': errorResponse('workers is not an integer >= 0'),
          '404': errorResponse('no such job'),
          '409': errorResponse('job finished'),
        },
      },
    },
    '/v1/jobs/{jobId}/tasks': {
      parameters: [jobIdParam],
      get: { summary: "The job's tasks", responses: { '200': { description: 'tasks' } } },
    },
    '/v1/jobs/{jobId}/cluster-spec': {
      parameters: [jobIdParam],
      get: { summary: 'PS and worker addresses', responses: { '200': { description: 'cluster spec' } } },
    },
    '/v1/jobs/{jobId}/tasks/{taskId}/files/{file}': {
      parameters: [
        jobIdParam,
        { name: 'taskId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'file', in: 'path', required: true, schema: { enum: ['stdout', 'stderr'] } },
      ],
      get: {
        summary: "Read a task's sandbox file through its agent (offset, length query)",
        responses: { '200': { description: '{data, offset}' } },
      },
    },
    '/v1/events': {
      get: {
        summary: 'Server-sent events of job, task and progress changes',
        responses: { '200': { description: 'text/event-stream' } },
      },
    },
  },
} as const;
